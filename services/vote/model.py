"""Vote decisions as pure functions of read-model documents, the command and the
server's `now`. No I/O: `handlers.py` loads and appends.

A ballot is the stream `ballot-<phase>-<kind>-<item>-<participant>`: the key, not
a read, makes one ballot per (item, participant). Each event's id is derived from
(stream, version, decision), so identical concurrent requests produce the same
event and the log keeps one (its idempotence by event id).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

import orjson

from services.consultation import queries as consultations
from services.consultation.queries import ACTIONS, current_phase, phase_status
from services.core.envelope import Envelope
from services.core.errors import DomainError, NotFound
from services.core.ids import uuid7_shaped
from services.core.participants import ParticipantContext, check_participant_id, require_level
from services.core.values import parse_iso
from services.vote.commands import CastBallot, CastRanking, ConfigureVote
from services.vote.events import BallotCast, BallotWithdrawn, RankingCast, VoteSettingsSet
from services.vote.items import HIDDEN, WITHDRAWN, PublishedItem

Doc = Mapping[str, Any]

KINDS = {"support": "vote_support", "agree": "vote_agree"}  # ballot kind -> phase action
# a phase with one is a vote
PHASE_ACTIONS = frozenset(KINDS.values()) | {"vote_ranking", "vote_budget"}
CHOICES = {"support": ("support",), "agree": ("agree", "disagree", "neutral")}
QUALIFICATIONS = consultations.QUALIFICATIONS  # the vocabulary; each phase picks its own
QUALIFICATIONS_MAX = 3
DEFAULT_SETTINGS: dict[str, Any] = {"support_threshold": 100, "ranking_max": 5,
                                    "new_share": 0.5}
RANKING_MAX_LIMIT = 20


def ballot_stream(phase_id: str, kind: str, item_id: str, participant_id: str) -> str:
    return f"ballot-{phase_id}-{kind}-{item_id}-{participant_id}"


def ballot_key(phase_id: str, kind: str, item_id: str) -> str:
    """Key of a ballot in the participant's partition of the ballots read model."""
    return f"{phase_id}|{kind}|{item_id}"


def ranking_stream(phase_id: str, participant_id: str) -> str:
    return f"ranking-{phase_id}-{participant_id}"


def settings_stream(consultation_id: str) -> str:
    return f"vote-settings-{consultation_id}"


def results_stream(consultation_id: str, phase_id: str) -> str:
    """The phase's frozen results: written once, by its key."""
    return f"vote-results-{consultation_id}-{phase_id}"


RESULTS_FROZEN = DomainError(
    "results_frozen", "Les résultats de ce vote sont figés : il n'est plus possible de voter "
    "ni de retirer un vote dans cette phase.", field="phase")


def ballot_of(history: Sequence[Envelope]) -> Doc | None:
    """The ballot a ballot stream's history ends in, read from the log (ADR 0030):
    {version, withdrawn, choice, qualifications, identity_level}; None when it was
    never cast. Every ballot event carries the whole state, so the last one says it."""
    if not history:
        return None
    last = history[-1]
    if last.type == "vote.BallotWithdrawn":
        return {"version": last.stream_version, "withdrawn": True}
    d = last.data
    return {"version": last.stream_version, "withdrawn": False, "choice": d["choice"],
            "qualifications": d["qualifications"], "identity_level": d["identity_level"]}


def ranking_of(history: Sequence[Envelope]) -> Doc | None:
    """The ranking a ranking stream's history ends in: {version, items,
    identity_level}; None when none was ever cast."""
    if not history:
        return None
    d = history[-1].data
    return {"version": history[-1].stream_version, "items": d["items"],
            "identity_level": d["identity_level"]}


def deterministic_id(stream: str, version: int, data: Mapping[str, Any]) -> str:
    """The same decision on the same stream version always gets the same id."""
    body = orjson.dumps(data, option=orjson.OPT_SORT_KEYS)
    return uuid7_shaped(hashlib.sha256(b"%s:%d:%s" % (stream.encode(), version, body)).digest())


def started_vote_phases(consultation: Doc | None, now: datetime) -> list[dict[str, Any]]:
    """The phases allowing a vote that have started, open or closed, in their
    order: each has its results (one tab each on the results page)."""
    return [p for p in (consultation or {}).get("phases", [])
            if PHASE_ACTIONS & set(p.get("actions", ())) and phase_status(p, now) != "upcoming"]


def latest_vote_phase(consultation: Doc | None, now: datetime) -> dict[str, Any] | None:
    """The latest started phase allowing a vote, open or closed: what the vote
    pages (sequence, ranking) are about."""
    return max(started_vote_phases(consultation, now),
               key=lambda p: parse_iso(p["starts_at"]), default=None)


def method_of(phase: Doc, settings: Doc | None = None) -> dict[str, Any]:
    """The phase's vote method (ADR 0062). A phase scheduled before methods
    existed keeps the consultation-wide settings (`vote_settings`) it was run with
    for its support threshold and ranking length."""
    method = consultations.vote_method(dict(phase))
    if "vote" not in phase:
        fallback = settings or DEFAULT_SETTINGS
        method.update(support_threshold=int(fallback["support_threshold"]),
                      ranking_max=int(fallback["ranking_max"]))
    return method


def phase_items(phase: Doc, consultation: Doc | None) -> Callable[[PublishedItem], bool]:
    """Whether an item is one this phase puts to the vote (deposited in one of its
    sources): by the phase the deposit recorded; an older item (none recorded) by
    the source phases' dates holding its instant. Built once per page or command."""
    sources = set(consultations.vote_method(dict(phase))["sources"])
    if not sources:
        return lambda item: True
    windows = consultations.source_windows(dict(phase), (consultation or {}).get("phases", []))

    def belongs(item: PublishedItem) -> bool:
        if item.phase_id:
            return item.phase_id in sources
        return consultations.deposited_in(item.created_at, windows)
    return belongs


def in_phase(item: PublishedItem, phase: Doc, consultation: Doc | None) -> bool:
    return phase_items(phase, consultation)(item)


def check_in_phase(item: PublishedItem, phase: Doc, consultation: Doc | None,
                   field: str = "item_id") -> None:
    if not in_phase(item, phase, consultation):
        raise DomainError("item_not_in_phase",
                          f"Cette proposition n'est pas soumise au vote dans la phase "
                          f"« {phase['title']} ».", field=field)


def is_open(phase: dict[str, Any] | None, now: datetime) -> bool:
    """Is this (started) phase still open now?"""
    return phase is not None and parse_iso(phase["ends_at"]) > now


def vote_phase_open(consultation: Doc | None, now: datetime) -> dict[str, Any] | None:
    """The vote phase open now, if any: what the sequence serves items for."""
    phase = latest_vote_phase(consultation, now)
    return phase if is_open(phase, now) else None


def open_vote_phase(consultation: Doc | None, participant: ParticipantContext, action: str,
                    now: datetime) -> dict[str, Any]:
    """The open phase allowing `action` (server clock), or a French refusal."""
    if consultation is None or not consultation.get("published"):
        raise NotFound("Consultation")
    check_participant_id(participant.participant_id)
    phase = current_phase(consultation.get("phases", []), now)
    if phase is None or action not in phase["actions"]:
        raise DomainError("phase_closed",
                          f"Il n'est pas possible de {ACTIONS[action]} en ce moment : "
                          "la phase de vote qui le permet n'est pas ouverte.", field="phase")
    level = consultations.vote_method(phase)["identity_level"]
    require_level(participant, level or consultation.get("identity_level", "anonymous"),
                  str(consultation.get("id", "")))
    return phase


def votable(item: PublishedItem | None, field: str = "item_id") -> PublishedItem:
    if item is None:
        raise DomainError("unknown_item", "Cette proposition n'existe pas.", field=field)
    if item.status == WITHDRAWN:
        raise DomainError("item_withdrawn",
                          "Cette proposition a été retirée par son auteur : on ne peut plus "
                          "voter pour elle.", field=field)
    if item.status == HIDDEN:
        raise DomainError("item_hidden",
                          "Cette proposition n'est pas publiée (modération) : on ne peut pas "
                          "voter pour elle.", field=field)
    return item


def state_of(event: BallotCast) -> dict[str, Any]:
    return {"choice": event.choice, "qualifications": list(event.qualifications),
            "identity_level": event.identity_level}


def decide_ballot(cmd: CastBallot, current: Doc | None, phase: Doc,
                  item: PublishedItem) -> BallotCast | None:
    """The event, or None when the ballot is already exactly this (a no-op)."""
    kind = check_kind(cmd.ballot_kind)
    if cmd.choice not in CHOICES[kind]:
        allowed = ", ".join(f"« {c} »" for c in CHOICES[kind])
        raise DomainError("invalid_choice", f"Choix de vote invalide : attendu {allowed}.",
                          field="choice")
    quals = _qualifications(cmd.qualifications, kind, method_of(phase)["qualifications"])
    if current is not None and current["choice"] == cmd.choice \
            and sorted(current["qualifications"]) == quals:
        return None
    previous = None if current is None else {
        "choice": current["choice"], "qualifications": list(current["qualifications"]),
        "identity_level": current["identity_level"]}
    return BallotCast(
        item_id=item.item_id, consultation_id=item.consultation_id, phase_id=phase["phase_id"],
        phase_ends_at=phase["ends_at"], participant_id=cmd.participant.participant_id,
        ballot_kind=kind, choice=cmd.choice, qualifications=quals,
        identity_level=cmd.participant.identity_level, previous=previous)


def decide_withdrawal(kind: str, current: Doc | None, phase: Doc, item: PublishedItem,
                      participant_id: str) -> BallotWithdrawn | None:
    if current is None:
        return None  # nothing to withdraw: a no-op, like a repeat
    return BallotWithdrawn(
        item_id=item.item_id, consultation_id=item.consultation_id, phase_id=phase["phase_id"],
        phase_ends_at=phase["ends_at"], participant_id=participant_id, ballot_kind=check_kind(kind),
        previous={"choice": current["choice"],
                  "qualifications": list(current["qualifications"]),
                  "identity_level": current["identity_level"]})


def check_ranking(cmd: CastRanking, items: Mapping[str, PublishedItem | None],
                  ranking_max: int, phase: Doc, consultation: Doc | None) -> None:
    if len(set(cmd.items)) != len(cmd.items):
        raise DomainError("ranking_duplicates",
                          "Un classement ne peut pas citer deux fois la même proposition.",
                          field="items")
    if len(cmd.items) > ranking_max:
        raise DomainError("ranking_too_long",
                          f"Un classement compte au plus {ranking_max} propositions.",
                          field="items")
    for i, item_id in enumerate(cmd.items):
        item = votable(items.get(item_id), field=f"items.{i}")
        if item.consultation_id != cmd.consultation_id:
            raise DomainError("unknown_item", "Cette proposition n'appartient pas à cette "
                              "consultation.", field=f"items.{i}")
        check_in_phase(item, phase, consultation, field=f"items.{i}")


def decide_ranking(cmd: CastRanking, current: Doc | None, phase: Doc) -> RankingCast | None:
    if current is not None and list(current["items"]) == list(cmd.items):
        return None
    if current is None and not cmd.items:
        return None
    previous = None if current is None else {"items": list(current["items"]),
                                             "identity_level": current["identity_level"]}
    return RankingCast(
        item_id=f"ranking-{phase['phase_id']}", consultation_id=cmd.consultation_id,
        phase_id=phase["phase_id"], phase_ends_at=phase["ends_at"],
        participant_id=cmd.participant.participant_id, items=list(cmd.items),
        identity_level=cmd.participant.identity_level, previous=previous)


def decide_settings(consultation: Doc | None, cmd: ConfigureVote) -> VoteSettingsSet:
    if consultation is None:
        raise NotFound("Consultation")
    if not 1 <= cmd.support_threshold <= 10_000_000:
        raise DomainError("invalid_threshold", "Le seuil de soutiens doit être un entier "
                          "positif.", field="support_threshold")
    if not 1 <= cmd.ranking_max <= RANKING_MAX_LIMIT:
        raise DomainError("invalid_ranking_max", "Un classement compte entre 1 et "
                          f"{RANKING_MAX_LIMIT} propositions.", field="ranking_max")
    if not 0.0 <= cmd.new_share <= 1.0:
        raise DomainError("invalid_new_share", "La part de nouvelles propositions est "
                          "comprise entre 0 et 1.", field="new_share")
    return VoteSettingsSet(item_id=f"settings-{cmd.consultation_id}",
                           consultation_id=cmd.consultation_id,
                           support_threshold=cmd.support_threshold,
                           ranking_max=cmd.ranking_max, new_share=cmd.new_share)


def check_kind(kind: str) -> str:
    if kind not in KINDS:
        raise DomainError("invalid_ballot_kind",
                          "Type de vote invalide : « support » ou « agree ».",
                          field="ballot_kind")
    return kind


def _qualifications(values: tuple[str, ...], kind: str, offered: Sequence[str]) -> list[str]:
    if values and kind == "support":
        raise DomainError("invalid_qualification",
                          "Un soutien ne porte pas de qualification.", field="qualifications")
    if len(set(values)) != len(values) or len(values) > QUALIFICATIONS_MAX:
        raise DomainError("invalid_qualification",
                          f"Au plus {QUALIFICATIONS_MAX} qualifications, chacune une seule "
                          "fois.", field="qualifications")
    for q in values:
        if q not in offered:
            if not offered:
                raise DomainError("invalid_qualification", "Cette phase de vote ne propose "
                                  "pas de qualification.", field="qualifications")
            known = ", ".join(f"« {QUALIFICATIONS[v]} »" for v in offered)
            raise DomainError("invalid_qualification",
                              f"Qualification inconnue : choisissez parmi {known}.",
                              field="qualifications")
    return sorted(values)
