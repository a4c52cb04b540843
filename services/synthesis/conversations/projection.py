"""The published opinion groups, one document per consultation (projection
`synthesis.opinion_groups`): the public page reads it and nothing else.

| table | partition | key | doc |
|---|---|---|---|
| synthesis_opinion_groups | "all" | consultation_id | the publication's data + published_at |
"""

from __future__ import annotations

from services.core.envelope import Envelope
from services.core.values import iso
from services.store.port import Doc, ReadStore, StoreTx
from services.store.projection import Projection
from services.synthesis.conversations.events import OpinionGroupsPublished

PUBLISHED = "synthesis_opinion_groups"
ALL = "all"


class OpinionGroupsProjection(Projection):
    name = "synthesis.opinion_groups"
    topics = ("synthesis.events",)
    tables = (PUBLISHED,)

    async def apply(self, event: Envelope, tx: StoreTx) -> None:
        if event.type != OpinionGroupsPublished.TYPE:
            return
        await tx.put(PUBLISHED, ALL, event.data["consultation_id"], {
            **event.data, "published_at": iso(event.occurred_at)})


async def published_groups(store: ReadStore, consultation_id: str) -> Doc | None:
    return await store.get(PUBLISHED, ALL, consultation_id)
