"""Phases: what kinds exist, which actions each opens, validation of a schedule,
and status against the server clock (DESIGN §5: phases are authoritative on it).

Pure functions over plain dicts (the event/read-model form of a phase:
{phase_id, kind, title, description, starts_at, ends_at, actions}), so pages,
the API and later services (deposit, vote) share one definition of "open".
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from services.consultation.commands import PhaseSpec
from services.core.errors import DomainError
from services.core.values import aware, choice, ident, iso, parse_iso, text

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
        aware(p.starts_at, f"{at}.starts_at")
        aware(p.ends_at, f"{at}.ends_at")
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
        out.append({"phase_id": p.phase_id, "kind": p.kind, "title": title,
                    "description": description, "starts_at": iso(p.starts_at),
                    "ends_at": iso(p.ends_at), "actions": list(dict.fromkeys(actions))})
    return out


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
