"""Rebuilding projections from the log: several at once in one pass (ADR 0118)
gives each one exactly what it gets rebuilt alone."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import ClassVar

import pytest

from services.core.envelope import Actor, Envelope
from services.eventlog.memory import MemoryEventLog
from services.runtime import replay
from services.runtime.amnesia import load_marks
from services.runtime.replay import rebuild_projection, rebuild_projections, topic_order
from services.store.memory import MemoryReadStore
from services.store.port import StoreTx
from services.store.projection import Projection


def event(topic: str, stream: str, version: int) -> Envelope:
    return Envelope(type=f"{topic.split('.')[0]}.Happened", schema_version=1, stream=stream,
                    stream_version=version, data={"n": version}, actor=Actor("p-1", "system"),
                    occurred_at=datetime(2026, 12, 6, tzinfo=UTC),
                    correlation_id=f"c-{stream}-{version}")


class Recording(Projection):
    """Writes, in its own table, the order in which it was given each event, and
    the pages it was given."""

    name: ClassVar[str] = ""
    topics: ClassVar[tuple[str, ...]] = ()
    tables: ClassVar[tuple[str, ...]] = ()

    def __init__(self) -> None:
        self.seen: list[tuple[str, int]] = []
        self.pages: list[int] = []
        self.reset_calls = self.rebuilt_calls = 0
        self._page = 0

    def begin_batch(self) -> None:
        self._page = 0

    async def apply(self, event: Envelope, tx: StoreTx) -> None:
        self.seen.append((event.stream, event.stream_version))
        self._page += 1
        await tx.put(self.tables[0], "all", f"{event.stream}/{event.stream_version}",
                     {"at": len(self.seen)})

    async def end_batch(self, tx: StoreTx) -> None:
        self.pages.append(self._page)

    async def reset(self) -> None:
        self.reset_calls += 1

    async def rebuilt(self) -> None:
        self.rebuilt_calls += 1


class Deposits(Recording):
    name = "test.deposits"
    topics = ("deposit.events", "moderation.events")
    tables = ("test_deposits",)


class Everything(Recording):
    name = "test.everything"
    topics = ("deposit.events", "vote.events", "moderation.events")
    tables = ("test_everything",)


class Votes(Recording):
    name = "test.votes"
    topics = ("vote.events",)
    tables = ("test_votes",)


async def written_log() -> MemoryEventLog:
    log = MemoryEventLog()
    for n in range(1, 8):  # streams interleaved across the topics
        for topic in ("moderation.events", "vote.events", "deposit.events"):
            await log.append([event(topic, f"{topic}-{n % 3}", n)])
    return log


async def rebuilt_alone(kind: type[Recording], log: MemoryEventLog) -> Recording:
    projection = kind()
    await rebuild_projection(log, MemoryReadStore(), projection)
    return projection


async def test_together_each_projection_gets_what_it_gets_alone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(replay, "REPLAY_PAGE", 4)  # several pages a topic
    log = await written_log()
    alone = [await rebuilt_alone(kind, log) for kind in (Deposits, Everything, Votes)]
    together = [Deposits(), Everything(), Votes()]
    store = MemoryReadStore()

    done = await rebuild_projections(log, store, together)

    for one, other in zip(alone, together, strict=True):
        assert other.seen == one.seen and other.pages == one.pages
        assert (other.reset_calls, other.rebuilt_calls) == (1, 1)
        events = 0
        for topic in other.topics:
            events += len(await log.read(topic))
        assert (done[other.name].read, done[other.name].applied) == (events, events)
        rows = [row async for row in store.scan(other.tables[0])]
        assert len(rows) == events
        # its topics one after the other, in its own order (the stream names the topic)
        topics = [stream.rpartition("-")[0] for stream, _ in other.seen]
        assert list(dict.fromkeys(topics)) == list(other.topics)
        assert sorted(topics, key=other.topics.index) == topics
        # where it stands in the log: the last record of each of its topics (ADR 0032)
        marks = await load_marks(store, other.name)
        for topic in other.topics:
            last = (await log.read(topic))[-1]
            assert (marks[(topic, 0)].offset, marks[(topic, 0)].event_id) == (
                last.offset, last.event.event_id)


async def test_a_rebuild_replaces_what_the_tables_held() -> None:
    log = await written_log()
    store = MemoryReadStore()
    async with store.transaction() as tx:
        await tx.put("test_votes", "all", "stale", {"at": 0})
    await rebuild_projections(log, store, [Votes()])
    keys = [key async for _, key, _ in store.scan("test_votes")]
    assert "stale" not in keys and len(keys) == 7


def test_the_topics_are_read_in_an_order_that_keeps_every_projections_own() -> None:
    order = topic_order([Votes(), Deposits(), Everything()])
    assert order == ["deposit.events", "vote.events", "moderation.events"]
    for projection in (Votes(), Deposits(), Everything()):
        mine = [t for t in order if t in projection.topics]
        assert mine == list(projection.topics)


def test_opposite_orders_cannot_be_read_in_one_pass() -> None:
    class Backwards(Recording):
        name = "test.backwards"
        topics = ("moderation.events", "deposit.events")
        tables = ("test_backwards",)

    with pytest.raises(ValueError, match="opposite orders"):
        topic_order([Deposits(), Backwards()])
