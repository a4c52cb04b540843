"""The synthesis service's query port: what other services may read of it."""

from __future__ import annotations

from services.store.paging import whole_partition
from services.store.port import Doc, ReadStore
from services.synthesis.followup.tables import NOTICES


async def notices_of(store: ReadStore, participant_id: str) -> list[Doc]:
    """The follow-up notices sent to this participant (a response to what they
    contributed): the personal-data export's share."""
    return await whole_partition(store, NOTICES, participant_id)
