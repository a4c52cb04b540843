"""Rebuilding a projection from the log (`parlons replay`, and a worker whose
outside view -- the search index -- was built from another log, ADR 0032)."""

from __future__ import annotations

from functools import partial

from services.eventlog.port import EventLog, Position
from services.runtime.amnesia import batch_marks, forget_marks, save_marks
from services.store.port import ReadStore
from services.store.projection import Projection, project_batch

REPLAY_PAGE = 1000


async def rebuild_projection(log: EventLog, store: ReadStore,
                             projection: Projection) -> tuple[int, int]:
    """Drop the projection's tables and guards and apply the whole log again,
    read directly (no consumer group). Its workers must be stopped meanwhile.
    The group's checkpoint is deliberately left alone (ADR 0006): the rebuild
    reads past it, so when the workers resume, what they redeliver is already
    under the guards. The projection's marks (its position in the log, ADR 0032)
    are forgotten, then written with each page. Returns (events read, applied)."""
    await store.drop_projection(projection.name, projection.tables)
    await forget_marks(store, projection.name)
    await projection.reset()  # a projection feeding more than the store forgets that too
    read = applied = 0
    for topic in projection.topics:
        position: Position = {}
        while page := await log.read(topic, start=position, limit=REPLAY_PAGE):
            read += len(page)
            applied += await project_batch(
                projection, [r.event for r in page], store,
                within=partial(save_marks, consumer=projection.name, marks=batch_marks(page)))
            for r in page:
                position[r.partition] = max(position.get(r.partition, 0), r.offset + 1)
    await projection.rebuilt()
    return read, applied
