"""Phases: what kinds exist, which actions each opens, validation of a schedule,
and status against the server clock (DESIGN §5: phases are authoritative on it).

Pure functions over plain dicts (the event/read-model form of a phase:
{phase_id, kind, title, description, starts_at, ends_at, actions, vote?}), so
pages, the API and later services (deposit, vote) share one definition of "open".
A phase with a vote action carries its method in `vote` (ADR 0062): the deposit
phases whose items it puts to the vote, the support threshold, the qualifications
offered, the ranking's length and the identity level; `vote_method` reads it with
the defaults an older event (without it) stands for.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from services.consultation.commands import PhaseSpec, VoteMethodSpec
from services.core.errors import DomainError
from services.core.values import choice, ident, instant, iso, parse_iso, text

KINDS: dict[str, str] = {
    "information": "Information",
    "deposit": "Dépôt de contributions",
    "questionnaire": "Questionnaire",
    "vote": "Vote",
    "debate": "Débat",
    "synthesis": "Synthèse",
    "follow_up": "Suivi et réponses",
}

ACTIONS: dict[str, str] = {
    "deposit": "déposer une contribution",
    "answer": "répondre au questionnaire",
    "comment": "argumenter",
    "vote_support": "soutenir",
    "vote_agree": "voter pour, contre ou neutre",
    "vote_ranking": "classer",
    "vote_budget": "voter pour des projets du budget participatif",
    "debate": "débattre",
    "register_meeting": "s'inscrire à une rencontre",
}

DEFAULT_ACTIONS: dict[str, tuple[str, ...]] = {
    "information": (),
    "deposit": ("deposit", "comment"),
    "questionnaire": ("answer",),
    "vote": ("vote_support",),
    "debate": ("debate", "comment", "register_meeting"),
    "synthesis": (),
    "follow_up": (),
}

VOTE_ACTIONS = ("vote_support", "vote_agree", "vote_ranking", "vote_budget")  # kinds of vote
QUALIFICATIONS: dict[str, str] = {"coup_de_coeur": "coup de cœur", "realiste": "réaliste",
                                  "impossible": "impossible", "prioritaire": "prioritaire",
                                  "a_preciser": "à préciser"}
IDENTITY_LEVELS = {"anonymous": "anonyme", "email": "courriel", "verified": "identité vérifiée"}
SUPPORT_THRESHOLD_MAX = 10_000_000
RANKING_MAX_LIMIT = 20

MAX_PHASES = 20
TITLE_MAX = 120
DESCRIPTION_MAX = 2000


def validate_phases(phases: Sequence[PhaseSpec]) -> list[dict[str, Any]]:
    """The schedule as event data, or a DomainError naming `phases.<i>.<field>`.
    Phases must be in chronological order, end after they start and not overlap."""
    if len(phases) > MAX_PHASES:
        raise DomainError("too_many_phases",
                          f"Une consultation compte au plus {MAX_PHASES} phases.", field="phases")
    out: list[dict[str, Any]] = []
    seen: set[str] = set()
    for i, p in enumerate(phases):
        at = f"phases.{i}"
        ident(p.phase_id, f"{at}.phase_id")
        if p.phase_id in seen:
            raise DomainError("duplicate_phase", "Deux phases portent le même identifiant.",
                              field=f"{at}.phase_id")
        seen.add(p.phase_id)
        choice(p.kind, KINDS, f"{at}.kind", label="Le type de phase")
        title = text(p.title, f"{at}.title", label="Le titre de la phase", max_len=TITLE_MAX,
                     min_len=1)
        description = text(p.description, f"{at}.description",
                           label="La description de la phase", max_len=DESCRIPTION_MAX)
        instant(p.starts_at, f"{at}.starts_at")
        instant(p.ends_at, f"{at}.ends_at")
        if p.ends_at <= p.starts_at:
            raise DomainError("phase_ends_before_start",
                              f"La phase « {title} » doit se terminer après son début.",
                              field=f"{at}.ends_at")
        if out and p.starts_at < parse_iso(out[-1]["ends_at"]):
            raise DomainError("phases_overlap",
                              f"La phase « {title} » commence avant la fin de la phase "
                              f"« {out[-1]['title']} » : les phases ne peuvent pas se "
                              "chevaucher.", field=f"{at}.starts_at")
        actions = DEFAULT_ACTIONS[p.kind] if p.actions is None else p.actions
        for j, action in enumerate(actions):
            choice(action, ACTIONS, f"{at}.actions.{j}", label="L'action")
        if p.kind == "vote" and not set(VOTE_ACTIONS) & set(actions):
            raise DomainError("vote_without_kind",
                              f"La phase de vote « {title} » doit proposer au moins une façon "
                              "de voter : soutien, d'accord / pas d'accord / neutre, "
                              "classement ou budget participatif.", field=f"{at}.actions")
        doc: dict[str, Any] = {"phase_id": p.phase_id, "kind": p.kind, "title": title,
                               "description": description, "starts_at": iso(p.starts_at),
                               "ends_at": iso(p.ends_at),
                               "actions": list(dict.fromkeys(actions))}
        if set(VOTE_ACTIONS) & set(actions):
            doc["vote"] = _vote_doc(p.vote or VoteMethodSpec(), out, title, f"{at}.vote")
        out.append(doc)
    return out


def _vote_doc(spec: VoteMethodSpec, earlier: Sequence[dict[str, Any]], title: str,
              at: str) -> dict[str, Any]:
    """A vote phase's method as event data: its sources are deposit phases
    scheduled before it (their items exist when it opens)."""
    deposits = {p["phase_id"]: p for p in earlier if "deposit" in p["actions"]}
    for j, source in enumerate(spec.sources):
        if source not in deposits:
            raise DomainError("unknown_source_phase",
                              f"La phase de vote « {title} » ne peut soumettre au vote que "
                              "les contributions d'une phase de dépôt qui la précède.",
                              field=f"{at}.sources.{j}")
    if not 1 <= spec.support_threshold <= SUPPORT_THRESHOLD_MAX:
        raise DomainError("invalid_threshold",
                          "Le seuil de soutiens est un nombre entier entre 1 et 10 000 000.",
                          field=f"{at}.support_threshold")
    for j, q in enumerate(spec.qualifications):
        choice(q, QUALIFICATIONS, f"{at}.qualifications.{j}", label="La qualification")
    if not 1 <= spec.ranking_max <= RANKING_MAX_LIMIT:
        raise DomainError("invalid_ranking_max",
                          f"Un classement compte entre 1 et {RANKING_MAX_LIMIT} propositions.",
                          field=f"{at}.ranking_max")
    if spec.identity_level:
        choice(spec.identity_level, IDENTITY_LEVELS, f"{at}.identity_level",
               label="Le niveau d'identité")
    return {"sources": list(dict.fromkeys(spec.sources)),
            "support_threshold": spec.support_threshold,
            "qualifications": [q for q in QUALIFICATIONS if q in spec.qualifications],
            "ranking_max": spec.ranking_max, "identity_level": spec.identity_level}


def vote_method(phase: dict[str, Any]) -> dict[str, Any]:
    """The phase's vote method; a phase scheduled before methods existed stands for
    the defaults (every item, the five qualifications, ranking of 5, threshold 100,
    the consultation's identity level)."""
    default = VoteMethodSpec()
    return {"sources": [], "support_threshold": default.support_threshold,
            "qualifications": list(default.qualifications),
            "ranking_max": default.ranking_max, "identity_level": "",
            **(phase.get("vote") or {})}


def source_windows(phase: dict[str, Any], phases: Sequence[dict[str, Any]]
                   ) -> list[tuple[datetime, datetime]] | None:
    """When the items a vote phase is about were deposited: its source phases'
    [start, end) (a deposit is accepted only while its phase is open, on the
    server clock, so the instant says the phase). None: every item."""
    sources = set(vote_method(phase)["sources"])
    if not sources:
        return None
    return [(parse_iso(p["starts_at"]), parse_iso(p["ends_at"])) for p in phases
            if p["phase_id"] in sources]


def deposited_in(submitted_at: str, windows: list[tuple[datetime, datetime]] | None) -> bool:
    """Was an item submitted at `submitted_at` deposited in one of `windows`?"""
    if windows is None:
        return True
    at = parse_iso(submitted_at)
    return any(start <= at < end for start, end in windows)


def phase_status(phase: dict[str, Any], now: datetime) -> str:
    """"upcoming", "open" or "closed". A phase is open on [starts_at, ends_at)."""
    if now < parse_iso(phase["starts_at"]):
        return "upcoming"
    if now < parse_iso(phase["ends_at"]):
        return "open"
    return "closed"


def current_phase(phases: Sequence[dict[str, Any]], now: datetime) -> dict[str, Any] | None:
    """The open phase, if any (phases never overlap, so there is at most one)."""
    return next((p for p in phases if phase_status(p, now) == "open"), None)


def open_actions(phases: Sequence[dict[str, Any]], now: datetime) -> tuple[str, ...]:
    """What a participant can do now (empty between phases or when closed)."""
    phase = current_phase(phases, now)
    return tuple(phase["actions"]) if phase else ()


def consultation_status(phases: Sequence[dict[str, Any]], now: datetime) -> str:
    """"upcoming" before the first phase, "closed" after the last, else "open"."""
    if not phases:
        return "upcoming"
    if now < parse_iso(phases[0]["starts_at"]):
        return "upcoming"
    if now >= parse_iso(phases[-1]["ends_at"]):
        return "closed"
    return "open"


def with_status(phases: Sequence[dict[str, Any]], now: datetime) -> list[dict[str, Any]]:
    """Phases as pages show them: each with its `status` against `now`."""
    return [{**p, "status": phase_status(p, now)} for p in phases]
