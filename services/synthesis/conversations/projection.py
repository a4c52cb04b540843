"""The published opinion groups, one document per consultation (projection
`synthesis.opinion_groups`): the public page reads it and nothing else.

| table | partition | key | doc |
|---|---|---|---|
| synthesis_opinion_groups | "all" | consultation_id | the publication's data + published_at |
| synthesis_opinion_groups_shown | "all" | consultation_id | {consultation_id, published_at} |

The second, small table is what the consultation's page reads to link to the
groups, without loading the publication.
"""

from __future__ import annotations

from services.core.envelope import Envelope
from services.core.values import iso
from services.store.port import Doc, ReadStore, StoreTx
from services.store.projection import Projection
from services.synthesis.conversations.events import OpinionGroupsPublished
from services.synthesis.events import CONVERSATION_EVENTS

PUBLISHED = "synthesis_opinion_groups"
SHOWN = "synthesis_opinion_groups_shown"
ALL = "all"


class OpinionGroupsProjection(Projection):
    name = "synthesis.opinion_groups"
    topics = ("synthesis.events",)
    tables = (PUBLISHED, SHOWN)
    ignores = CONVERSATION_EVENTS

    async def apply(self, event: Envelope, tx: StoreTx) -> None:
        if event.type != OpinionGroupsPublished.TYPE:
            return
        cid, at = event.data["consultation_id"], iso(event.occurred_at)
        await tx.put(PUBLISHED, ALL, cid, {**event.data, "published_at": at})
        await tx.put(SHOWN, ALL, cid, {"consultation_id": cid, "published_at": at})


async def published_groups(store: ReadStore, consultation_id: str) -> Doc | None:
    return await store.get(PUBLISHED, ALL, consultation_id)


async def groups_published(store: ReadStore, consultation_id: str) -> bool:
    return await store.get(SHOWN, ALL, consultation_id) is not None
