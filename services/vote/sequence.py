"""The vote sequence served to one participant: the read side of fair exposure
(exposure.py is the pure choice). Reads the published items deposited in the
phase's source phases, the phase's tallies, the participant's ballots and the
per-consultation `new_share` setting."""

from __future__ import annotations

from typing import Any

import numpy as np

from services.store.port import Doc, ReadStore
from services.vote import model
from services.vote.exposure import Candidate, vote_sequence
from services.vote.items import PublishedItems, StorePublishedItems
from services.vote.projections import BALLOTS, SETTINGS, TALLIES, tally_partition

TESTED_AFTER = 10  # votes before an item leaves the "new" pool
SIZE_MAX = 50


async def sequence_for(store: ReadStore, consultation: Doc, phase: Doc,
                       participant_id: str, *, size: int, rng: np.random.Generator,
                       items: PublishedItems | None = None) -> list[str]:
    """Up to `size` items of the phase (deposited in its source phases, ADR 0062)
    for this participant."""
    consultation_id, phase_id = str(consultation["id"]), str(phase["phase_id"])
    belongs = model.phase_items(phase, consultation)
    published = [i for i in await (items or StorePublishedItems(store)).in_consultation(
        consultation_id) if belongs(i)]
    ids = [i.item_id for i in published]
    tallies = await store.get_many(TALLIES, tally_partition(consultation_id, phase_id), ids)
    keys = [model.ballot_key(phase_id, "agree", i) for i in ids]
    mine = await store.get_many(BALLOTS, participant_id, keys)
    voted = {doc["item_id"] for doc in mine.values() if not doc.get("withdrawn")}
    settings = await store.get(SETTINGS, "all", consultation_id) or model.DEFAULT_SETTINGS
    candidates = [_candidate(i.item_id, i.author_id, i.created_at, tallies.get(i.item_id))
                  for i in published]
    return vote_sequence(candidates, voted, size=min(size, SIZE_MAX),
                         new_share=float(settings["new_share"]), tested_after=TESTED_AFTER,
                         rng=rng)


def _candidate(item_id: str, author: str, created: str, tally: dict[str, Any] | None) -> Candidate:
    agree = (tally or {}).get("agree", {})
    a, d, n = (int(agree.get(k, 0)) for k in ("agree", "disagree", "neutral"))
    return Candidate(item_id, author, created, votes=a + d + n, agree=a, disagree=d)
