"""A consultation's participation figures, read from the `synthesis.participation`
read models (ADR 0142): one document of totals and one per day with
contributions, whatever the number of contributions or ballots.
"""

from __future__ import annotations

from typing import Any

from services.store.port import ReadStore
from services.synthesis.participation.counting import KINDS, STATES
from services.synthesis.participation.projection import DAYS, FIGURES, TOTALS

BALLOT_KINDS = ("support", "agree", "ranking", "budget")  # the order a phase lists them
BALLOT_CHANGES = ("cast", "changed", "withdrawn")
PAGE = 500


async def participation_of(store: ReadStore, consultation_id: str) -> dict[str, Any]:
    """kinds: [{kind, received, published, pending, refused, withdrawn}] in KINDS
    order; totals: the same summed; contributors, voters: distinct people; ballots:
    [{phase_id, kind, cast, changed, withdrawn, standing}]; days: [{day, <kind>: n,
    total, ballots}] in date order. Zeros for a consultation without any."""
    doc = await store.get(FIGURES, consultation_id, TOTALS) or {}
    received = doc.get("contributions", {})
    kinds = [{"kind": kind, **_states(received.get(kind, {}))} for kind in KINDS]
    return {
        "kinds": kinds,
        "totals": {k: sum(row[k] for row in kinds) for k in ("received", *STATES)},
        "contributors": doc.get("contributors", 0), "voters": doc.get("voters", 0),
        "ballots": _ballots(doc.get("ballots", {})),
        "days": await _days(store, consultation_id),
    }


def _states(counts: dict[str, int]) -> dict[str, int]:
    return {k: counts.get(k, 0) for k in ("received", *STATES)}


def _ballots(by_phase: dict[str, dict[str, dict[str, int]]]) -> list[dict[str, Any]]:
    rows = []
    for phase_id, by_kind in sorted(by_phase.items()):
        for kind in sorted(by_kind, key=lambda k: (k not in BALLOT_KINDS, BALLOT_KINDS.index(k)
                                                   if k in BALLOT_KINDS else 0, k)):
            counts = {c: by_kind[kind].get(c, 0) for c in BALLOT_CHANGES}
            rows.append({"phase_id": phase_id, "kind": kind, **counts,
                         "standing": counts["cast"] - counts["withdrawn"]})
    return rows


async def _days(store: ReadStore, consultation_id: str) -> list[dict[str, Any]]:
    """Every day with contributions or ballots, a store page at a time (a
    consultation of a year has 365 of them)."""
    days: list[dict[str, Any]] = []
    after: str | None = None
    while True:
        page = await store.list(DAYS, consultation_id, limit=PAGE, after=after)
        for day, doc in page:
            counts = {kind: doc.get("contributions", {}).get(kind, 0) for kind in KINDS}
            days.append({"day": day, **counts, "total": sum(counts.values()),
                         "ballots": doc.get("ballots", 0)})
        if len(page) < PAGE:
            return days
        after = page[-1][0]
