"""Which vote phase a vote page is about, by the server clock (phases are
authoritative on it, DESIGN §5): shared by the sequence, the ranking form and
the results."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from services.consultation.phases import phase_status
from services.core.times import parse_iso
from services.vote import model


def vote_phase(consultation: dict[str, Any] | None) -> dict[str, Any] | None:
    """The latest started phase allowing a vote (open or closed)."""
    now = datetime.now(UTC)
    started = [p for p in (consultation or {}).get("phases", [])
               if model.PHASE_ACTIONS & set(p.get("actions", ()))
               and phase_status(p, now) != "upcoming"]
    return max(started, key=lambda p: parse_iso(p["starts_at"]), default=None)


def is_open(phase: dict[str, Any] | None) -> bool:
    """Is this (started) phase still open now?"""
    return phase is not None and parse_iso(phase["ends_at"]) > datetime.now(UTC)


def open_vote_phase(consultation: dict[str, Any] | None) -> dict[str, Any] | None:
    """The vote phase open now, if any: what the sequence serves items for."""
    phase = vote_phase(consultation)
    return phase if is_open(phase) else None
