"""Dead letters on the memory log: one pending letter per (group, event) however
often the poison is redelivered, settled once, and a new letter when an event
fails again after it was re-driven."""

from __future__ import annotations

from datetime import UTC, datetime

from services.core.envelope import Actor, Envelope
from services.core.schema_registry import SchemaRegistry
from services.eventlog.memory import MemoryEventLog
from services.eventlog.port import Recorded
from services.runtime.dead_letters import failed_event, pending, settle, write_letter

T0 = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)


def event(stream: str) -> Envelope:
    return Envelope(type="test.Counted", schema_version=1, stream=stream, stream_version=1,
                    data={}, actor=Actor.system(), occurred_at=T0, correlation_id="corr-1")


async def letter_for(log: MemoryEventLog, record: Recorded, group: str = "test.tally") -> bool:
    return await write_letter(log, record, group=group, attempts=3, error="ValueError: x",
                              now=T0)


async def test_a_letter_is_pending_until_settled_once_then_a_new_failure_writes_a_new_one(
) -> None:
    log = MemoryEventLog()
    a, b = await log.append([event("a"), event("b")])

    assert await letter_for(log, b)
    assert not await letter_for(log, b)  # the same poison redelivered: still one letter
    assert await letter_for(log, b, group="other.group")
    [mine] = await pending(log, group="test.tally")
    assert (mine.failed_event_id, mine.offset, mine.attempts) == (b.event.event_id, 1, 3)
    assert await failed_event(log, mine, partitions=1) == b.event

    assert await settle(log, mine, by="replay", now=T0)
    assert not await settle(log, mine, by="replay", now=T0)  # settled already
    assert [x.group for x in await pending(log)] == ["other.group"]

    assert await letter_for(log, b)  # fails again after the re-drive: a new letter
    [again] = await pending(log, group="test.tally")
    assert again.envelope.stream_version == 3
    for record in await log.read("runtime.events"):
        SchemaRegistry().validate(record.event)
    assert [x.failed_event_id for x in await pending(log, event_id=a.event.event_id)] == []
