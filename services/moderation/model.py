"""Moderation decisions as pure functions of the item (the contribution as a
moderator sees it: `new_item` folded with `evolve_item` over its events), the
command and the server's `now`. Claims are locks that expire on the server clock.
The handlers fold the item from the log (ADR 0030); the queue projection folds the
same events into its read model."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from services.core.envelope import Envelope
from services.core.errors import DomainError, NotFound
from services.core.personal_data import redact
from services.core.values import iso, parse_iso, text
from services.moderation.commands import (
    ClaimItem,
    Decide,
    DecideAppeal,
    LodgeAppeal,
    MaskPersonalData,
    SetCharter,
)
from services.moderation.events import (
    AppealDecided,
    AppealLodged,
    CharterSet,
    DecisionMade,
    ItemClaimed,
    PersonalDataMasked,
)
from services.moderation.publication import (
    EDITED,
    MASKED,
    edited_since_decided,
    fold_versions,
    takes_text,
)

Doc = Mapping[str, Any]
CLAIM_MINUTES = 15
DECISIONS = ("approved", "hidden", "rejected")
OUTCOMES = ("upheld", "overturned")
APPROVAL_REASONS = {"conforme": "Conforme à la charte"}
DEFAULT_CHARTER = {
    "injure": "Propos injurieux, haineux ou discriminatoires",
    "donnees_personnelles": "Données personnelles",
    "publicite": "Publicité ou message indésirable",
    "hors_sujet": "Hors sujet",
    "campagne": "Copier-coller massif",
    "illicite": "Contenu illicite",
}


SUBMITTED = {"deposit.ProposalSubmitted": "proposal", "deposit.ResponseSubmitted": "response",
             "deposit.ArgumentSubmitted": "argument", "deposit.CommentSubmitted": "comment"}


def new_item(contribution_id: str, consultation_id: str) -> dict[str, Any]:
    """ITEM before any event (see queue.py for its fields)."""
    return {"id": contribution_id, "consultation_id": consultation_id, "kind": None,
            "author_id": "", "title": "", "body": "", "moderation": "post", "suggestions": [],
            "severity": 0, "flags": 0, "status": "pending", "reason_code": "",
            "decided_by": "", "claimed_by": "", "claimed_until": "", "campaign_group_id": "",
            "masked": False, "appeal": None, "version": 0, "queue_key": None,
            "deposit_version": 0, "decided_version": 0, "masked_version": 0,
            "deposit_stream": ""}


def evolve_item(item: dict[str, Any], event: Envelope) -> None:
    """Fold one deposit or moderation event about the contribution into its ITEM.
    The text and whether an approval still holds follow the publication's rule
    (`publication.takes_text`, ADR 0135): an edit newer than the approval puts
    the item back to "pending", whatever order the events arrive in."""
    d, t = event.data, event.type
    if t in SUBMITTED:
        texts = " / ".join(a["text"] or a["other_text"] for a in d.get("answers", [])
                           if a["text"] or a["other_text"])
        if not item["masked"]:  # a mask read first (the other topic) keeps its text
            item.update(title=d.get("title", ""), body=d.get("body", texts))
        item.update(kind=SUBMITTED[t], author_id=d["author_id"], moderation=d["moderation"],
                    deposit_stream=event.stream)
    elif t == EDITED:
        if takes_text(item, event):
            item.update(body=d["body"], title=d["title"] or item["title"], masked=False)
    elif t == "deposit.ContributionWithdrawn":
        item["status"] = "withdrawn"
    elif t == "moderation.ContributionChecked":
        item.update(suggestions=d["suggestions"], severity=d["severity"])
    elif t == "moderation.ItemClaimed":
        item.update(claimed_by=d["moderator_id"], claimed_until=d["until"])
    elif t == "moderation.DecisionMade":
        item.update(status=d["decision"], reason_code=d["reason_code"],
                    decided_by=d["moderator_id"], claimed_by="", claimed_until="")
    elif t == MASKED:
        if takes_text(item, event):
            item.update(title=d["title"], body=d["body"], masked=True,
                        masked_version=int(d.get("deposit_version", 0)))
    elif t == "moderation.ContributionFlagged":
        item["flags"] += 1
    elif t == "moderation.AppealLodged":
        item["appeal"] = {"status": "pending", "text": d["text"], "outcome": None}
    elif t == "moderation.AppealDecided":
        item["appeal"] = {**(item["appeal"] or {"text": ""}), "status": "decided",
                          "outcome": d["outcome"], "decided_by": d["moderator_id"]}
        if d["outcome"] == "overturned":
            item.update(status="approved", reason_code=d["reason_code"])
    if event.stream.startswith("moderation-"):
        item["version"] = event.stream_version
    fold_versions(item, event)
    if item["status"] == "approved" and edited_since_decided(item):
        item["status"] = "pending"  # approved at an older text: to be read again


def item_of(history: Sequence[Envelope]) -> dict[str, Any] | None:
    """The ITEM its events make, in the order the log recorded them (a deposit
    event and a moderation event both set its status); None without a submission."""
    if not history:
        return None
    ordered = sorted(history, key=lambda e: (e.recorded_at or e.occurred_at, e.stream_version))
    item = new_item(ordered[0].data["contribution_id"], ordered[0].data["consultation_id"])
    for event in ordered:
        evolve_item(item, event)
    return item if item["kind"] is not None else None


def charter_reasons(charter: Doc | None) -> dict[str, str]:
    if charter is None:
        return dict(DEFAULT_CHARTER)
    return {r["code"]: r["label"] for r in charter["reasons"]}


def existing(item: Doc | None) -> Doc:
    if item is None or item["kind"] is None:
        raise NotFound("Contribution")
    return item


def of_consultation(item: Doc | None, consultation_id: str) -> Doc:
    """The item, when it is a contribution of `consultation_id`, the consultation
    the moderator's role was checked on (ADR 0133, amendment of 2026-12-08).
    Another consultation's is refused before anything else is said about it (who
    holds it, whether an appeal is pending), and nothing is written."""
    doc = existing(item)
    if doc["consultation_id"] != consultation_id:
        raise DomainError("wrong_consultation",
                          "Cette contribution appartient à une autre consultation.",
                          field="consultation_id")
    return doc


def claim_held_by_other(item: Doc, moderator_id: str, now: datetime) -> bool:
    return bool(item["claimed_by"]) and item["claimed_by"] != moderator_id and (
        parse_iso(item["claimed_until"]) > now)


def _not_the_author(doc: Doc, moderator_id: str) -> None:
    """Nobody moderates their own contribution, nor decides its appeal: a member of
    the team who also takes part leaves it to another moderator."""
    if doc["author_id"] == moderator_id:
        raise DomainError("own_contribution", "Vous êtes l'auteur de cette contribution : "
                                              "un autre modérateur en décide.")


def decide_claim(item: Doc | None, cmd: ClaimItem, now: datetime) -> ItemClaimed:
    doc = of_consultation(item, cmd.consultation_id)
    _not_the_author(doc, cmd.moderator.moderator_id)
    if claim_held_by_other(doc, cmd.moderator.moderator_id, now):
        raise DomainError("claimed", "Un autre modérateur traite déjà cette contribution.")
    return ItemClaimed(doc["id"], doc["consultation_id"], cmd.moderator.moderator_id,
                       iso(now + timedelta(minutes=CLAIM_MINUTES)))


def _must_hold_claim(doc: Doc, moderator_id: str, now: datetime) -> None:
    _not_the_author(doc, moderator_id)  # a claim made before this rule holds no more
    if doc["claimed_by"] != moderator_id or parse_iso(doc["claimed_until"]) <= now:
        raise DomainError("claim_required",
                          "Prenez d'abord la contribution en charge (ou reprenez-la : "
                          "votre prise en charge a expiré).")


def decision(doc: Doc, moderator_id: str, choice: str, reason: str, charter: Doc | None,
             group_id: str = "") -> DecisionMade:
    if choice not in DECISIONS:
        raise DomainError("invalid_decision", "Décision inconnue.", field="decision")
    allowed = APPROVAL_REASONS if choice == "approved" else charter_reasons(charter)
    if not reason:
        raise DomainError("reason_required", "Choisissez le motif de la charte qui justifie "
                                             "de masquer ou de refuser.", field="reason_code")
    if reason not in allowed:
        raise DomainError("unknown_reason",
                          "Ce motif ne figure pas dans la charte de la consultation.",
                          field="reason_code")
    return DecisionMade(doc["id"], doc["consultation_id"], moderator_id, choice, reason,
                        group_id, int(doc.get("deposit_version", 0)))


def decide(item: Doc | None, charter: Doc | None, cmd: Decide, now: datetime) -> DecisionMade:
    doc = of_consultation(item, cmd.consultation_id)
    _must_hold_claim(doc, cmd.moderator.moderator_id, now)
    _must_be_the_text_read(doc, cmd.deposit_version)
    return decision(doc, cmd.moderator.moderator_id, cmd.decision, cmd.reason_code, charter)


def _must_be_the_text_read(doc: Doc, read: int) -> None:
    """The moderator decides on the text their page showed (`read`, its deposit
    version; 0 when the caller does not say): an edit since is read first."""
    if read and read != int(doc.get("deposit_version", 0)):
        raise DomainError("edited_since", "Son auteur a modifié cette contribution depuis "
                                          "que vous l'avez ouverte : relisez-la avant de "
                                          "décider.")


def decide_mask(item: Doc | None, cmd: MaskPersonalData, now: datetime) -> PersonalDataMasked:
    doc = of_consultation(item, cmd.consultation_id)
    _must_hold_claim(doc, cmd.moderator.moderator_id, now)
    proposed: dict[str, str] = {}
    for s in doc["suggestions"]:
        if s["code"] == "personal_data":
            proposed.update(s["masked"])
    title = str(cmd.title or proposed.get("title", doc["title"]))
    body = str(cmd.body or proposed.get("body", doc["body"]))
    if (title, body) == (doc["title"], doc["body"]):
        raise DomainError("nothing_to_mask", "Aucune donnée personnelle à masquer.")
    return PersonalDataMasked(doc["id"], doc["consultation_id"], cmd.moderator.moderator_id,
                              title, text(body, "body", label="Le texte", max_len=5000,
                                          min_len=1), int(doc.get("deposit_version", 0)))


def decide_appeal(item: Doc | None, cmd: LodgeAppeal) -> AppealLodged:
    doc = existing(item)
    if doc["author_id"] != cmd.participant.participant_id:
        raise NotFound("Contribution")
    if doc["status"] not in ("hidden", "rejected"):
        raise DomainError("nothing_to_appeal", "Cette contribution n'a pas été masquée ni "
                                               "refusée : il n'y a rien à contester.")
    return AppealLodged(doc["id"], doc["consultation_id"], cmd.participant.participant_id,
                        text(redact(cmd.text), "text", label="La contestation", max_len=2000,
                             min_len=3))


def decide_appeal_outcome(item: Doc | None, cmd: DecideAppeal) -> AppealDecided:
    doc = of_consultation(item, cmd.consultation_id)
    if not doc["appeal"] or doc["appeal"]["status"] != "pending":
        raise DomainError("no_pending_appeal", "Aucune contestation en attente.")
    _not_the_author(doc, cmd.moderator.moderator_id)
    if doc["decided_by"] == cmd.moderator.moderator_id:
        raise DomainError("second_moderator_required",
                          "Une contestation est tranchée par un autre modérateur que celui "
                          "qui a pris la décision.")
    if cmd.outcome not in OUTCOMES:
        raise DomainError("invalid_outcome", "Issue inconnue.", field="outcome")
    return AppealDecided(doc["id"], doc["consultation_id"], cmd.moderator.moderator_id,
                         cmd.outcome, cmd.reason_code, int(doc.get("deposit_version", 0)))


def decide_charter(cmd: SetCharter) -> CharterSet:
    if not cmd.reasons:
        raise DomainError("empty_charter", "La charte doit compter au moins un motif.")
    reasons: Sequence[tuple[str, str]] = cmd.reasons
    return CharterSet(cmd.consultation_id, [
        {"code": code, "label": text(label, f"reasons.{i}", label="Le motif", max_len=200,
                                     min_len=1)} for i, (code, label) in enumerate(reasons)])
