"""Rebuilding projections from the log (`parlons replay`, `parlons replay --all`,
and a worker whose outside view -- the search index -- was built from another
log, ADR 0032)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncGenerator, Sequence
from contextlib import aclosing
from dataclasses import dataclass
from functools import partial

from services.eventlog.port import EventLog, Position, Recorded
from services.runtime.amnesia import batch_marks, forget_marks, save_marks
from services.store.port import ReadStore
from services.store.projection import Projection, project_batch

# Events a page: a store transaction per projection reading it. Its cache (ADR
# 0083) serves a page's re-reads of a document (a tally, a counter) from memory:
# 5,000 rebuilt all the projections ~20 % faster than 1,000 (`bench/replay.py
# --page`), 10,000 no faster again; a page decoded is a few MB.
REPLAY_PAGE = 5000


@dataclass(slots=True)
class Rebuilt:
    """What a projection's rebuild did: events read, applied, and the seconds
    spent applying them (its own, without the reading and decoding it shares);
    `job`: 0 when this process rebuilt it, n when the child n of `parlons replay
    --all` did (ADR 0121)."""

    read: int = 0
    applied: int = 0
    seconds: float = 0.0
    job: int = 0


async def rebuild_projection(log: EventLog, store: ReadStore,
                             projection: Projection) -> tuple[int, int]:
    """Drop the projection's tables and guards and apply the whole log again,
    read directly (no consumer group). Its workers must be stopped meanwhile.
    The group's checkpoint is deliberately left alone (ADR 0006): the rebuild
    reads past it, so when the workers resume, what they redeliver is already
    under the guards. The projection's marks (its position in the log, ADR 0032)
    are forgotten, then written with each page. Returns (events read, applied)."""
    rebuilt = (await rebuild_projections(log, store, [projection]))[projection.name]
    return rebuilt.read, rebuilt.applied


async def rebuild_projections(log: EventLog, store: ReadStore,
                              projections: Sequence[Projection]) -> dict[str, Rebuilt]:
    """`rebuild_projection` for several projections at once: each page of the log
    is read and decoded once and applied to every projection reading its topic,
    where rebuilding them one after the other read and decoded each event once per
    projection reading it: four to five times over (ADR 0118). Each projection still gets
    exactly the pages it would get alone, its topics in its own order: the topics
    are read in one order that keeps every projection's (`topic_order`). Returns
    what each projection's rebuild did, by name."""
    await forget_projections(store, projections)
    for projection in projections:
        await projection.reset()  # a projection feeding more than the store forgets that too
    counts = {p.name: Rebuilt() for p in projections}
    for topic in topic_order(projections):
        readers = [p for p in projections if topic in p.topics]
        async with aclosing(_pages(log, topic)) as pages:
            async for page in pages:
                events = [r.event for r in page]
                marks = batch_marks(page)
                for projection in readers:
                    began = time.perf_counter()
                    applied = await project_batch(
                        projection, events, store,
                        within=partial(save_marks, consumer=projection.name, marks=marks))
                    rebuilt = counts[projection.name]
                    rebuilt.read += len(page)
                    rebuilt.applied += applied
                    rebuilt.seconds += time.perf_counter() - began
    for projection in projections:
        began = time.perf_counter()
        await projection.rebuilt()
        counts[projection.name].seconds += time.perf_counter() - began
    return counts


async def _pages(log: EventLog, topic: str) -> AsyncGenerator[list[Recorded], None]:
    """Every page of `topic`, the next one read and decoded (in the log's thread)
    while the caller applies this one: the rebuild had waited on each read in turn
    (`bench/replay.py`, docs/measurements/replay.md part 9)."""
    position: Position = {}
    ahead = asyncio.ensure_future(log.read(topic, start={}, limit=REPLAY_PAGE))
    try:
        while page := await ahead:
            for r in page:
                position[r.partition] = max(position.get(r.partition, 0), r.offset + 1)
            ahead = asyncio.ensure_future(
                log.read(topic, start=dict(position), limit=REPLAY_PAGE))
            yield page
    finally:
        ahead.cancel()  # the caller stopped (failed): the page read ahead is not wanted


async def forget_projections(store: ReadStore, projections: Sequence[Projection]) -> None:
    """Drop the projections' tables, guards and marks: what a rebuild starts from."""
    for projection in projections:
        await store.drop_projection(projection.name, projection.tables)
        await forget_marks(store, projection.name)


def topic_order(projections: Sequence[Projection]) -> list[str]:
    """Every topic the projections read, in an order that keeps each one's own
    (a projection reads its first topic to its end before the next one, as its
    rebuild always did). Raises ValueError when two projections read two topics in
    opposite orders: no single pass can then give both their own."""
    after: dict[str, set[str]] = {}  # topic -> the topics that must come before it
    for projection in projections:
        for n, topic in enumerate(projection.topics):
            after.setdefault(topic, set()).update(projection.topics[:n])
    order: list[str] = []
    while after:
        ready = [t for t, before in after.items() if not before - set(order)]
        if not ready:
            raise ValueError(f"projections read the topics {sorted(after)} in opposite orders")
        order.append(ready[0])  # the first declared of those ready: a stable order
        del after[ready[0]]
    return order
