"""The vote sequence served to one participant: the read side of fair exposure
(exposure.py is the pure choice). Reads the published items deposited in the
phase's source phases with the phase's tallies (shared by the process's
requests, ADR 0039), the participant's ballots and the per-consultation
`new_share` setting."""

from __future__ import annotations

from typing import Any

import numpy as np

from services.consultation import queries as consultations
from services.core.shared_computation import Policy, SharedComputations
from services.store.port import Doc, ReadStore
from services.vote import model
from services.vote.exposure import Candidate, Pools
from services.vote.items import SMALL, PublishedItems, StorePublishedItems
from services.vote.projections import BALLOTS, SETTINGS, TALLIES, tally_partition

TESTED_AFTER = 10  # votes before an item leaves the "new" pool
SIZE_MAX = 50
_LISTED = 500  # a participant's ballots read a page at a time

# A phase's pools made once per change of the store (ADR 0039): under 50 ms (a
# few thousand items) again whenever it moved, so a small consultation's
# sequence always counts its latest ballots; longer at most every 5 s or four
# times its length (a tally a few seconds old only shifts a draw).
SHARED_POOLS = Policy(quick_s=0.05, gap_s=5.0, factor=4.0, entries=8)


class PhasePools:
    """The pools of each open vote phase, shared by this process's sequences:
    every participant's vote page used to read the consultation's whole list of
    items and every item's tally, and build a candidate of each (0.12 s at
    30,201 items, beside the shared list itself)."""

    def __init__(self, store: ReadStore, items: PublishedItems | None = None) -> None:
        async def marker(_: str) -> int | None:
            return store.changes()

        self._store = store
        self._items = items or StorePublishedItems(store)
        self._pools = SharedComputations(
            "vote pools", self._computed, marker, SHARED_POOLS,
            small=lambda pools: len(pools.fresh) + len(pools.tested) < SMALL)

    async def of(self, consultation_id: str, phase_id: str) -> Pools:
        return await self._pools.value(f"{consultation_id}|{phase_id}")

    async def _computed(self, key: str) -> Pools:
        consultation_id, phase_id = key.split("|", 1)
        consultation = await consultations.consultation(self._store, consultation_id)
        phase = next((p for p in (consultation or {}).get("phases", [])
                      if p.get("phase_id") == phase_id), None)
        if consultation is None or phase is None:
            return Pools.of([], TESTED_AFTER)
        belongs = model.phase_items(phase, consultation)
        published = [i for i in await self._items.in_consultation(consultation_id)
                     if belongs(i)]
        tallies = await self._store.get_many(
            TALLIES, tally_partition(consultation_id, phase_id),
            [i.item_id for i in published])
        return Pools.of([_candidate(i.item_id, i.author_id, i.created_at,
                                    tallies.get(i.item_id)) for i in published],
                        TESTED_AFTER)


async def sequence_for(store: ReadStore, consultation: Doc, phase: Doc,
                       participant_id: str, *, size: int, rng: np.random.Generator,
                       pools: PhasePools | None = None) -> list[str]:
    """Up to `size` items of the phase (deposited in its source phases, ADR 0062)
    for this participant."""
    consultation_id, phase_id = str(consultation["id"]), str(phase["phase_id"])
    phase_pools = await (pools or PhasePools(store)).of(consultation_id, phase_id)
    voted = await _voted(store, participant_id, phase_id)
    settings = await store.get(SETTINGS, "all", consultation_id) or model.DEFAULT_SETTINGS
    return phase_pools.sequence(voted, size=min(size, SIZE_MAX),
                                new_share=float(settings["new_share"]), rng=rng)


async def _voted(store: ReadStore, participant_id: str, phase_id: str) -> set[str]:
    """The items the participant holds an agree/disagree ballot on in this phase:
    their own ballots' partition, from the phase's first key, as few as they cast
    (not a look-up per item of the phase)."""
    prefix = model.ballot_key(phase_id, "agree", "")
    voted: set[str] = set()
    after = prefix
    while True:
        rows = await store.list(BALLOTS, participant_id, limit=_LISTED, after=after)
        for key, doc in rows:
            if not key.startswith(prefix):
                return voted
            if not doc.get("withdrawn"):
                voted.add(doc["item_id"])
        if len(rows) < _LISTED:
            return voted
        after = rows[-1][0]


def _candidate(item_id: str, author: str, created: str, tally: dict[str, Any] | None) -> Candidate:
    agree = (tally or {}).get("agree", {})
    a, d, n = (int(agree.get(k, 0)) for k in ("agree", "disagree", "neutral"))
    return Candidate(item_id, author, created, votes=a + d + n, agree=a, disagree=d)
