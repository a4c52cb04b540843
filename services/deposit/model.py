"""Deposit decisions as pure functions of the contribution's state (its stream
folded, `contribution_of`), the consultation (reference data), the command and the
server's `now`. No I/O here: `handlers.py` loads and appends.

Gating (DESIGN §5): the consultation must be published, its current phase (on
the server clock) must open the action, and the participant's identity level
must reach the consultation's.

Every text a participant typed is redacted before it becomes an event: an e-mail,
phone, IBAN, NIR, IP or street address in it is masked (`personal_data.redact`),
so the log, and every read model, index and export fed from it, never holds it
(ADR 0044). Lengths are checked on the redacted text, the one that is kept.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from services.consultation.queries import (
    ACTIONS,
    Answer,
    current_phase,
    known_territories,
    validate_answers,
)
from services.core.envelope import Envelope
from services.core.errors import DomainError, NotFound, Refusals
from services.core.participants import ParticipantContext, check_participant_id, require_level
from services.core.personal_data import redact
from services.core.values import ident, iso, parse_iso, text
from services.deposit.commands import (
    EditContribution,
    SetContributionPolicy,
    SubmitArgument,
    SubmitComment,
    SubmitProposal,
    SubmitResponse,
    WithdrawContribution,
)
from services.deposit.events import (
    ArgumentSubmitted,
    CommentSubmitted,
    ContributionEdited,
    ContributionPolicySet,
    ContributionWithdrawn,
    ProposalSubmitted,
    ResponseSubmitted,
)

Doc = Mapping[str, Any]

TITLE_MIN, TITLE_MAX = 5, 140
BODY_MIN, BODY_MAX = 10, 5000
ARGUMENT_MIN, ARGUMENT_MAX = 3, 1000
COMMENT_MAX = 2000
EDIT_MINUTES_MAX = 7 * 24 * 60
SIDES = ("for", "against")
DEFAULT_POLICY = {"edit_minutes": 0, "withdraw_allowed": False}  # the Grand Débat: no edit

# The action a phase must open for each kind of contribution (phases.ACTIONS).
ACTION_OF = {"proposal": "deposit", "response": "answer", "argument": "comment",
             "comment": "comment"}


KIND_OF = {"deposit.ProposalSubmitted": "proposal", "deposit.ResponseSubmitted": "response",
           "deposit.ArgumentSubmitted": "argument", "deposit.CommentSubmitted": "comment"}


def submitted_doc(event: Envelope) -> dict[str, Any]:
    """The CONTRIBUTION document a submission event describes (projections.py)."""
    d = event.data
    return {
        "id": d["contribution_id"], "kind": KIND_OF[event.type],
        "consultation_id": d["consultation_id"], "author_id": d["author_id"],
        "title": d.get("title", ""), "body": d.get("body", ""),
        "theme_id": d.get("theme_id", ""), "territory": d.get("territory", ""),
        "proposal_id": d.get("proposal_id", ""), "parent_id": d.get("parent_id", ""),
        "side": d.get("side", ""), "questionnaire_id": d.get("questionnaire_id", ""),
        "phase_id": d.get("phase_id", ""),
        "moderation": d["moderation"], "submitted_at": iso(event.occurred_at), "edited_at": None,
        "withdrawn": False, "stream": event.stream, "version": event.stream_version,
    }


def evolve(doc: dict[str, Any] | None, event: Envelope) -> dict[str, Any] | None:
    """One event of a contribution's stream folded into its document: what the
    handlers decide on (read from the log) and the read model shows."""
    if event.type in KIND_OF:
        return submitted_doc(event)
    if doc is None:
        return None
    if event.type == "deposit.ContributionEdited":
        doc = {**doc, "body": event.data["body"], "edited_at": iso(event.occurred_at),
               "title": event.data["title"] or doc["title"]}
    elif event.type == "deposit.ContributionWithdrawn":
        doc = {**doc, "withdrawn": True}
    else:
        return doc
    doc["version"] = event.stream_version
    return doc


def contribution_of(history: Sequence[Envelope]) -> dict[str, Any] | None:
    """A contribution's state from its stream's history (None: never submitted)."""
    doc: dict[str, Any] | None = None
    for event in history:
        doc = evolve(doc, event)
    return doc


def policy_of(history: Sequence[Envelope]) -> Doc:
    """A consultation's contribution policy from its stream's history."""
    for event in reversed(history):
        if event.type == "deposit.ContributionPolicySet":
            return {"edit_minutes": event.data["edit_minutes"],
                    "withdraw_allowed": event.data["withdraw_allowed"]}
    return DEFAULT_POLICY


def contribution_stream(contribution_id: str) -> str:
    return f"contribution-{contribution_id}"


def response_stream(questionnaire_id: str, participant_id: str) -> str:
    """One stream per (questionnaire, participant), written once at version 1:
    the log's key, not a read, refuses a second response."""
    return f"response-{questionnaire_id}-{participant_id}"


def key_hash(participant_id: str, request_key: str) -> str:
    """A submission's Idempotency-Key as recorded: hashed with the participant's
    pseudonymous id (two participants may choose the same key), never the key."""
    return hashlib.sha256(f"{participant_id}\n{request_key}".encode()).hexdigest()[:32]


def key_stream(key: str) -> str:
    return f"submission-{key}"


def policy_stream(consultation_id: str) -> str:
    return f"deposit-policy-{consultation_id}"


def gate(consultation: Doc | None, participant: ParticipantContext, kind: str,
         now: datetime) -> str:
    """Refuse unless the action is open now to this participant; returns the
    consultation's moderation policy ("pre" | "post")."""
    return _gated(consultation, participant, kind, now)[0]


def _gated(consultation: Doc | None, participant: ParticipantContext, kind: str,
           now: datetime) -> tuple[str, dict[str, Any] | None]:
    """`gate`, and the phase found open: a proposal records it, and looking it up
    again parses every phase's instants a second time (ADR 0094)."""
    if consultation is None or not consultation.get("published"):
        raise NotFound("Consultation")
    check_participant_id(participant.participant_id)
    action = ACTION_OF[kind]
    phase = current_phase(consultation.get("phases", []), now)
    if phase is None or action not in phase["actions"]:  # open_actions(), phase kept
        raise DomainError("phase_closed",
                          f"Il n'est pas possible de {ACTIONS[action]} en ce moment : "
                          "la phase qui le permet n'est pas ouverte.", field="phase")
    require_level(participant, consultation.get("identity_level", "anonymous"),
                  str(consultation.get("id", "")))
    return str(consultation.get("moderation", "post")), phase


def decide_proposal(consultation: Doc | None, cmd: SubmitProposal,
                    now: datetime) -> ProposalSubmitted:
    moderation, phase = _gated(consultation, cmd.participant, "proposal", now)
    assert consultation is not None and phase is not None
    ident(cmd.contribution_id, "contribution_id")
    with Refusals() as refused:  # in the form's order (ADR 0144)
        title, body = refused.check(_title, cmd.title), refused.check(_body, cmd.body)
        if cmd.theme_id and cmd.theme_id not in {t["theme_id"] for t in consultation["themes"]}:
            refused.add(DomainError("unknown_theme", "Ce thème n'existe pas dans la consultation.",
                                    field="theme_id"))
        if cmd.territory and cmd.territory not in known_territories():
            refused.add(DomainError("unknown_territory", "Ce territoire est inconnu.",
                                    field="territory"))
    assert title is not None and body is not None
    return ProposalSubmitted(
        contribution_id=cmd.contribution_id, consultation_id=cmd.consultation_id,
        author_id=cmd.participant.participant_id, title=title,
        body=body, theme_id=cmd.theme_id, territory=cmd.territory,
        # the phase a contribution is deposited in: the one the gate found open
        moderation=moderation, phase_id=str(phase["phase_id"]))


def decide_response(consultation: Doc | None, questionnaire: Doc | None,
                    cmd: SubmitResponse, now: datetime) -> ResponseSubmitted:
    moderation = gate(consultation, cmd.participant, "response", now)
    ident(cmd.contribution_id, "contribution_id")
    if questionnaire is None:
        raise NotFound("Questionnaire")
    answers = _redacted(cmd.answers)
    validate_answers(questionnaire["questions"], answers)
    kept = _kept(answers)
    if not kept:  # one response per person, ever: an empty one would use it up
        raise DomainError("no_answer", "Vous n'avez répondu à aucune question : répondez à au "
                          "moins une question avant d'envoyer vos réponses.", field="answers")
    return ResponseSubmitted(
        contribution_id=cmd.contribution_id, consultation_id=cmd.consultation_id,
        questionnaire_id=cmd.questionnaire_id, author_id=cmd.participant.participant_id,
        answers=kept,
        moderation=moderation, identity_level=cmd.participant.identity_level,
        territory=cmd.participant.territory if cmd.participant.territory
        in known_territories() else "")


def decide_argument(consultation: Doc | None, proposal: Doc | None, cmd: SubmitArgument,
                    now: datetime) -> ArgumentSubmitted:
    if proposal is None or proposal["kind"] != "proposal" or proposal["withdrawn"]:
        raise NotFound("Proposition")
    moderation = gate(consultation, cmd.participant, "argument", now)
    ident(cmd.contribution_id, "contribution_id")
    with Refusals() as refused:  # the side and the text together (ADR 0144)
        if cmd.side not in SIDES:
            refused.add(DomainError("invalid_side", "Un argument est « pour » ou « contre ».",
                                    field="side"))
        body = refused.check(text, redact(cmd.body), "body", label="L'argument",
                             max_len=ARGUMENT_MAX, min_len=ARGUMENT_MIN)
    assert body is not None
    return ArgumentSubmitted(
        contribution_id=cmd.contribution_id, consultation_id=proposal["consultation_id"],
        proposal_id=cmd.proposal_id, author_id=cmd.participant.participant_id,
        side=cmd.side, body=body, moderation=moderation)


def decide_comment(consultation: Doc | None, parent: Doc | None, cmd: SubmitComment,
                   now: datetime) -> CommentSubmitted:
    if parent is None or parent["kind"] not in ("proposal", "argument") or parent["withdrawn"]:
        raise NotFound("Contribution")
    moderation = gate(consultation, cmd.participant, "comment", now)
    ident(cmd.contribution_id, "contribution_id")
    body = text(redact(cmd.body), "body", label="Le commentaire", max_len=COMMENT_MAX,
                min_len=1)
    return CommentSubmitted(
        contribution_id=cmd.contribution_id, consultation_id=parent["consultation_id"],
        parent_id=cmd.parent_id, author_id=cmd.participant.participant_id, body=body,
        moderation=moderation)


def decide_edit(contribution: Doc | None, consultation: Doc | None, policy: Doc,
                cmd: EditContribution, now: datetime) -> ContributionEdited:
    doc = _own(contribution, cmd.participant)
    if doc["kind"] == "response":
        raise DomainError("edit_not_allowed", "Une réponse au questionnaire ne se modifie pas.")
    minutes = int(policy["edit_minutes"])
    if minutes <= 0 or now > parse_iso(doc["submitted_at"]) + timedelta(minutes=minutes):
        raise DomainError("edit_not_allowed",
                          "Cette consultation ne permet pas (ou plus) de modifier une "
                          "contribution après son dépôt.")
    gate(consultation, cmd.participant, doc["kind"], now)
    if doc["kind"] == "proposal":
        with Refusals() as refused:  # the title and the text together (ADR 0144)
            title, body = refused.check(_title, cmd.title), refused.check(_body, cmd.body)
        assert title is not None and body is not None
        return ContributionEdited(cmd.contribution_id, doc["consultation_id"], title, body)
    limit, low = (ARGUMENT_MAX, ARGUMENT_MIN) if doc["kind"] == "argument" else (COMMENT_MAX, 1)
    body = text(redact(cmd.body), "body", label="Le texte", max_len=limit, min_len=low)
    return ContributionEdited(cmd.contribution_id, doc["consultation_id"], "", body)


def decide_withdraw(contribution: Doc | None, policy: Doc,
                    cmd: WithdrawContribution) -> ContributionWithdrawn:
    doc = _own(contribution, cmd.participant)
    if not policy["withdraw_allowed"] or doc["kind"] == "response":
        raise DomainError("withdraw_not_allowed",
                          "Cette consultation ne permet pas de retirer une contribution.")
    return ContributionWithdrawn(cmd.contribution_id, doc["consultation_id"])


def decide_policy(consultation: Doc | None, cmd: SetContributionPolicy) -> ContributionPolicySet:
    if consultation is None:
        raise NotFound("Consultation")
    if not 0 <= cmd.edit_minutes <= EDIT_MINUTES_MAX:
        raise DomainError("invalid_edit_minutes",
                          f"Le délai de modification doit être entre 0 et {EDIT_MINUTES_MAX} "
                          "minutes.", field="edit_minutes")
    return ContributionPolicySet(cmd.consultation_id, cmd.edit_minutes, cmd.withdraw_allowed)


def _own(contribution: Doc | None, participant: ParticipantContext) -> Doc:
    # Someone else's contribution answers like a missing one: ids are not secrets,
    # but authorship is not disclosed.
    if contribution is None or contribution["author_id"] != participant.participant_id:
        raise NotFound("Contribution")
    if contribution["withdrawn"]:
        raise DomainError("withdrawn", "Cette contribution a été retirée.")
    return contribution


def _title(value: str) -> str:
    return text(redact(value), "title", label="Le titre", max_len=TITLE_MAX, min_len=TITLE_MIN)


def _body(value: str) -> str:
    return text(redact(value), "body", label="Le texte", max_len=BODY_MAX, min_len=BODY_MIN)


def recorded_answers(history: Sequence[Envelope]) -> list[dict[str, Any]] | None:
    """The answers of a response stream's response (None: no response yet)."""
    for event in history:
        if event.type == "deposit.ResponseSubmitted":
            return list(event.data["answers"])
    return None


def repeats_response(recorded: Sequence[Mapping[str, Any]], cmd: SubmitResponse) -> bool:
    """Whether `cmd` gives the very answers recorded: a form sent again, not a
    change of mind (a response is never changed)."""
    def by_question(answers: Sequence[Mapping[str, Any]]) -> dict[str, Mapping[str, Any]]:
        return {a["question_id"]: a for a in answers}
    return by_question(recorded) == by_question(_kept(_redacted(cmd.answers)))


def _redacted(answers: Mapping[str, Answer]) -> dict[str, Answer]:
    return {qid: replace(a, other_text=redact(a.other_text), text=redact(a.text))
            for qid, a in answers.items()}


def _kept(answers: Mapping[str, Answer]) -> list[dict[str, Any]]:
    """The answers as recorded: an empty one is no answer."""
    return [_answer(qid, a) for qid, a in answers.items() if a.option_ids or a.text.strip()]


def _answer(question_id: str, a: Answer) -> dict[str, Any]:
    return {"question_id": question_id, "option_ids": list(a.option_ids),
            "other_text": a.other_text.strip(), "text": a.text.strip()}
