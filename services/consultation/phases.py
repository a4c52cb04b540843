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
from services.core.errors import DomainError, Refusals
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
    Phases must be in chronological order, end after they start and not overlap.
    Every phase's fields are checked, in the form's order, and their refusals
    reported together (`InvalidFields`, ADR 0144); a check needing a value refused
    (the order of two phases, a phase's dates) is skipped."""
    if len(phases) > MAX_PHASES:
        raise DomainError("too_many_phases",
                          f"Une consultation compte au plus {MAX_PHASES} phases.", field="phases")
    out: list[dict[str, Any]] = []
    seen: set[str] = set()
    previous: tuple[str, datetime] | None = None  # the phase before, if its dates hold
    deposits: set[str] = set()  # the deposit phases before, for a vote's sources
    sure = True  # every phase before said whether it takes deposits
    with Refusals() as refused:
        for i, p in enumerate(phases):
            at = f"phases.{i}"
            if refused.check(ident, p.phase_id, f"{at}.phase_id") is not None:
                if p.phase_id in seen:
                    refused.add(DomainError("duplicate_phase",
                                            "Deux phases portent le même identifiant.",
                                            field=f"{at}.phase_id"))
                seen.add(p.phase_id)
            kind = refused.check(choice, p.kind, KINDS, f"{at}.kind", label="Le type de phase")
            title = refused.check(text, p.title, f"{at}.title", label="Le titre de la phase",
                                  max_len=TITLE_MAX, min_len=1)
            named = _named(title, p.title)
            starts = refused.check(instant, p.starts_at, f"{at}.starts_at")
            ends = refused.check(instant, p.ends_at, f"{at}.ends_at")
            if starts is not None and ends is not None and ends <= starts:
                refused.add(DomainError("phase_ends_before_start",
                                        f"La phase {named} doit se terminer après son début.",
                                        field=f"{at}.ends_at"))
            elif starts is not None and previous is not None and starts < previous[1]:
                refused.add(DomainError("phases_overlap",
                                        f"La phase {named} commence avant la fin de la phase "
                                        f"{previous[0]} : les phases ne peuvent pas se "
                                        "chevaucher.", field=f"{at}.starts_at"))
            previous = (named, ends) if starts is not None and ends is not None \
                and ends > starts else None
            description = refused.check(text, p.description, f"{at}.description",
                                        label="La description de la phase",
                                        max_len=DESCRIPTION_MAX)
            if kind is None and p.actions is None:  # the actions of no kind
                sure = False
                continue
            actions = DEFAULT_ACTIONS[p.kind] if p.actions is None else p.actions
            for j, action in enumerate(actions):
                refused.check(choice, action, ACTIONS, f"{at}.actions.{j}", label="L'action")
            if refused.failed(f"{at}.actions"):
                sure = False
                continue
            if p.kind == "vote" and not set(VOTE_ACTIONS) & set(actions):
                refused.add(DomainError(
                    "vote_without_kind", f"La phase de vote {named} doit proposer au moins "
                    "une façon de voter : soutien, d'accord / pas d'accord / neutre, "
                    "classement ou budget participatif.", field=f"{at}.actions"))
            doc: dict[str, Any] = {"phase_id": p.phase_id, "kind": p.kind, "title": title,
                                   "description": description,
                                   "starts_at": iso(p.starts_at) if starts else "",
                                   "ends_at": iso(p.ends_at) if ends else "",
                                   "actions": list(dict.fromkeys(actions))}
            if set(VOTE_ACTIONS) & set(actions):
                doc["vote"] = _vote_doc(refused, p.vote or VoteMethodSpec(),
                                        deposits if sure else None, named, f"{at}.vote")
            if "deposit" in actions:
                deposits.add(p.phase_id)
            out.append(doc)
    return out


def _named(title: str | None, typed: str) -> str:
    """A phase as a message names it: its title in quotes, « sans titre » when it
    has none (a title refused for its length is cut short)."""
    if title is not None:
        return f"« {title} »"
    typed = typed.strip()
    return f"« {typed[:40]}… »" if typed else "sans titre"


def _vote_doc(refused: Refusals, spec: VoteMethodSpec, deposits: set[str] | None,
              named: str, at: str) -> dict[str, Any]:
    """A vote phase's method as event data: its sources are deposit phases
    scheduled before it (their items exist when it opens); `deposits` None: a
    phase before was refused without saying whether it takes deposits, the
    sources are not checked against them."""
    for j, source in enumerate(spec.sources):
        if deposits is not None and source not in deposits:
            refused.add(DomainError("unknown_source_phase",
                                    f"La phase de vote {named} ne peut soumettre au vote que "
                                    "les contributions d'une phase de dépôt qui la précède.",
                                    field=f"{at}.sources.{j}"))
    if not 1 <= spec.support_threshold <= SUPPORT_THRESHOLD_MAX:
        refused.add(DomainError("invalid_threshold",
                                "Le seuil de soutiens est un nombre entier entre 1 et "
                                "10 000 000.", field=f"{at}.support_threshold"))
    for j, q in enumerate(spec.qualifications):
        refused.check(choice, q, QUALIFICATIONS, f"{at}.qualifications.{j}",
                      label="La qualification")
    if not 1 <= spec.ranking_max <= RANKING_MAX_LIMIT:
        refused.add(DomainError("invalid_ranking_max",
                                f"Un classement compte entre 1 et {RANKING_MAX_LIMIT} "
                                "propositions.", field=f"{at}.ranking_max"))
    if spec.identity_level:
        refused.check(choice, spec.identity_level, IDENTITY_LEVELS, f"{at}.identity_level",
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
