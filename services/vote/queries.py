"""The vote service's query port: what other services may read of it."""

from __future__ import annotations

from services.store.paging import whole_partition
from services.store.port import Doc, ReadStore
from services.vote.projections import BALLOTS


async def ballots_by(store: ReadStore, participant_id: str) -> list[Doc]:
    """Every ballot and ranking of this participant, withdrawn ones marked as such:
    the personal-data export's share."""
    return await whole_partition(store, BALLOTS, participant_id)
