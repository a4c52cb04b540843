"""The synthesis service's query port: what other services may read of it."""

from __future__ import annotations

from services.store.paging import whole_partition
from services.store.port import Doc, ReadStore
from services.synthesis.followup.tables import NOTICES, RESPONSES


async def notices_of(store: ReadStore, participant_id: str) -> list[Doc]:
    """The follow-up notices sent to this participant (a response to what they
    contributed): the personal-data export's share."""
    return await whole_partition(store, NOTICES, participant_id)


async def follow_up_responses(store: ReadStore, consultation_id: str) -> list[Doc]:
    """Every follow-up response of the consultation, the latest published first
    (the latest id first within a second): the report's, a budget project's."""
    found = await whole_partition(store, RESPONSES, consultation_id)
    found.reverse()
    return sorted(found, key=lambda r: r["published_at"], reverse=True)
