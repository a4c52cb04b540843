"""Tallies as plain dicts, and the pure functions that move them.

TALLY (one item in one phase) = {item_id, consultation_id, phase_id,
  support: {total, by_level: {level: n}},
  agree: {agree, disagree, neutral, by_level: {level: {agree, disagree, neutral}}},
  qualifications: {qualification: n}}
RANKING_TALLY (one phase) = {consultation_id, phase_id, ballots, by_level: {level: n},
  borda: {item_id: points}, first: {item_id: n}}
Borda is the modified Borda count: a ballot ranking n items gives n points to its
first, 1 to its last, so a short ballot never outweighs a complete one.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from services.core.values import parse_iso

AGREE_CHOICES = ("agree", "disagree", "neutral")


def empty_tally(item_id: str, consultation_id: str, phase_id: str) -> dict[str, Any]:
    return {"item_id": item_id, "consultation_id": consultation_id, "phase_id": phase_id,
            "support": {"total": 0, "by_level": {}},
            "agree": {**dict.fromkeys(AGREE_CHOICES, 0), "by_level": {}},
            "qualifications": {}}


def empty_ranking(consultation_id: str, phase_id: str) -> dict[str, Any]:
    return {"consultation_id": consultation_id, "phase_id": phase_id, "ballots": 0,
            "by_level": {}, "borda": {}, "first": {}}


def count_ballot(tally: dict[str, Any], kind: str, state: dict[str, Any], sign: int) -> None:
    """Add (sign=+1) or remove (sign=-1) one ballot state {choice, qualifications,
    identity_level} of `kind` ("support" | "agree")."""
    level, choice = state["identity_level"], state["choice"]
    if kind == "support":
        part = tally["support"]
        part["total"] += sign
        _bump(part["by_level"], level, sign)
        return
    part = tally["agree"]
    part[choice] += sign
    by_level = part["by_level"].setdefault(level, dict.fromkeys(AGREE_CHOICES, 0))
    by_level[choice] += sign
    if not any(by_level.values()):
        del part["by_level"][level]  # as for _bump: no empty entries
    for q in state["qualifications"]:
        _bump(tally["qualifications"], q, sign)


def count_ranking(tally: dict[str, Any], state: dict[str, Any], sign: int) -> None:
    """Add or remove one ranking {items, identity_level}; an empty one counts nothing."""
    items = state["items"]
    if not items:
        return
    tally["ballots"] += sign
    _bump(tally["by_level"], state["identity_level"], sign)
    _bump(tally["first"], items[0], sign)
    for i, item_id in enumerate(items):
        _bump(tally["borda"], item_id, sign * (len(items) - i))


def is_late(occurred_at: datetime, phase_ends_at: str) -> bool:
    """A ballot recorded at or after its phase's end counts for nothing: this is
    what keeps a closed phase's result frozen whatever is replayed later."""
    return occurred_at >= parse_iso(phase_ends_at)


def _bump(counts: dict[str, int], key: str, sign: int) -> None:
    n = counts.get(key, 0) + sign
    if n:
        counts[key] = n
    else:
        counts.pop(key, None)  # zero entries vanish, so recount and projection compare equal
