"""The event log port: the source of truth every service writes to.

Contract (tests/contract/test_eventlog_contract.py, run against every adapter):
- `append` writes a batch and returns only once every event in it is durable.
  If durability cannot be reached it raises `EventLogUnavailable` and nothing of
  the call is acknowledged.
- Idempotent by `event_id`: appending an event id already in the log writes
  nothing and reports the original record (`duplicate=True`).
- Optimistic concurrency: `expect={stream: version}` refuses the whole batch with
  `ConcurrencyConflict` when the stream is not at that version (0 = new stream).
  Independently, two different events can never hold the same
  (stream, stream_version).
- Per-key order: events with the same key are read back in append order. The key
  of an event is decided by `schemas/topics.yaml` (stream by default).
- `read(topic, start)` returns records of a topic from a position, in order.
- `read_stream(stream)` returns one stream's events in version order, every
  acknowledged append included: the history a handler folds to decide (ADR 0030).
- `subscribe(group, topics)` delivers at least once; `commit` stores the group's
  checkpoint; a new subscription of the same group resumes after it.
- `events_at(marks)` tells which event the log holds where a consumer saw one;
  `ends(topic)` where each partition ends; `identity()` names the log, and changes
  when it is replaced or its topics are re-created. Together they let a consumer
  notice a log that lost what it had already seen (amnesia, ADR 0032).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from services.core.clock import Clock
from services.core.envelope import Envelope
from services.core.events import DomainEvent, Meta, wrap
from services.core.slotted import fast_init

# A position in a topic: the next offset to read, per partition. Opaque to
# handlers; adapters with one partition per topic use {0: offset}.
Position = dict[int, int]


@fast_init  # one per event written or read (ADR 0091)
@dataclass(frozen=True, slots=True)
class Recorded:
    """An event as the log holds it."""

    event: Envelope
    topic: str
    partition: int
    offset: int
    key: str
    duplicate: bool = False


@dataclass(frozen=True, slots=True)
class Mark:
    """The last record a consumer took from one partition: where, and which event.
    A log that no longer holds that event there has lost what the consumer saw."""

    topic: str
    partition: int
    offset: int
    event_id: str

    @classmethod
    def of(cls, record: Recorded) -> Mark:
        return cls(record.topic, record.partition, record.offset, record.event.event_id)


# What `events_at` answers for a position the log no longer keeps (retention
# deleted it) although it holds later records: nothing to compare there.
EXPIRED = "<expired>"


@dataclass(slots=True)
class Batch:
    """What one `poll` returns, with the position to commit once handled."""

    records: list[Recorded]
    next_position: dict[str, Position] = field(default_factory=dict)


class Subscription(ABC):
    """A consumer group's cursor over some topics."""

    group: str
    topics: tuple[str, ...]

    @abstractmethod
    async def poll(self, *, max_records: int = 500, timeout: float = 1.0) -> Batch:
        """Wait up to `timeout` seconds for records after the current cursor.
        An empty batch means nothing arrived in time."""

    @abstractmethod
    async def commit(self, batch: Batch) -> None:
        """Store the checkpoint after `batch`: call only once its effects are durable."""

    @abstractmethod
    async def lag(self) -> int:
        """Records appended but not yet committed by this group (for metrics)."""

    async def behind(self, upto: Mapping[str, Position]) -> int:
        """Records below `upto` (topic -> partition -> next offset, the log's ends
        when a write was acknowledged) not yet committed by this group: what a
        read-your-writes wait waits on, which records appended after `upto` do not
        prolong (ADR 0036). By default every uncommitted record, as `lag`."""
        return await self.lag()

    @abstractmethod
    async def close(self) -> None: ...

    @property
    def epoch(self) -> int:
        """Changes whenever the cursor may have jumped (a partition assigned, a
        broker reconnected): what was delivered next is no proof of continuity."""
        return 0

    async def checkpoints(self) -> dict[str, Position]:
        """The group's committed positions, when they live outside the log's own
        records (a broker's offsets store); {} when they cannot drift from it."""
        return {}


@runtime_checkable
class ModelProgress(Protocol):
    """How far a consumer's read model has taken the log in, as its marks say (the
    last record of each partition it applied, written in the transaction of its
    effects, ADR 0032): what a handler asks before it decides on a read model
    rather than on the log itself (ADR 0054)."""

    async def holds(self, consumer: str, upto: Mapping[str, Position], *,
                    within: float) -> bool:
        """Whether `consumer`'s read model holds every event below `upto` (topic ->
        partition -> next offset: the log's ends when the decision began), waiting
        up to `within` seconds for it to get there."""
        ...


class EventLog(ABC):
    @abstractmethod
    async def append(
        self,
        events: Sequence[Envelope],
        *,
        expect: Mapping[str, int] | None = None,
    ) -> list[Recorded]:
        """Append atomically and durably; see the module docstring."""

    @abstractmethod
    async def read(
        self, topic: str, *, start: Position | None = None, limit: int = 1000
    ) -> list[Recorded]:
        """Records of `topic` whose offset is >= `start[partition]` (all if None),
        in offset order per partition."""

    @abstractmethod
    async def read_stream(self, stream: str) -> list[Envelope]:
        """Every event of `stream` (one aggregate), in version order; [] if none."""

    @abstractmethod
    async def stream_version(self, stream: str) -> int:
        """The last version written to `stream` (0 if none)."""

    async def read_stream_and_version(self, stream: str,
                                      other: str) -> tuple[list[Envelope], int]:
        """`read_stream(stream)` and `stream_version(other)` together: a decision
        reading its aggregate and a guard stream beside it (a ballot and its phase's
        frozen results). One round trip where the adapter can (SQLite: one
        statement, ADR 0097); here, the two calls."""
        return await self.read_stream(stream), await self.stream_version(other)

    @abstractmethod
    async def subscribe(self, group: str, topics: Sequence[str]) -> Subscription: ...

    @abstractmethod
    async def reset_group(self, group: str) -> None:
        """Forget a group's checkpoint, so it replays from the start."""

    async def start(self) -> None:
        """Open connections; idempotent."""

    async def close(self) -> None:
        """Flush and release resources; idempotent."""

    async def ping(self) -> None:
        """Raise `EventLogUnavailable` when the log cannot take writes (readiness)."""

    async def prepare_to_decide(self) -> None:
        """Whatever this log needs before the process's first decision, done now: a
        service replica calls it before it joins its command group, a front from its
        start, so that no command waits on it (the Kafka log reads every topic into
        its writer index, ADR 0005, 0122, 0123). A log that decides on its file as it
        is has nothing to do."""

    async def take_over(self, topic: str) -> None:
        """This process became the writer of (some partitions of) `topic`: the next
        decision must see everything another writer put there first (ADR 0035).
        A log whose every read is current (SQLite, memory) has nothing to do."""

    async def events_at(self, marks: Sequence[Mark]) -> dict[Mark, str | None]:
        """The event id the log holds at each mark's position: None where it holds
        nothing (it ends before, or lost it), EXPIRED where retention deleted it.
        Raises `EventLogUnavailable` when it cannot tell. Default: one `read` per
        mark, right for logs that never delete (one partition per topic)."""
        found: dict[Mark, str | None] = {}
        for mark in marks:
            got = await self.read(mark.topic, start={mark.partition: mark.offset}, limit=1)
            here = [r for r in got if r.partition == mark.partition and r.offset == mark.offset]
            found[mark] = here[0].event.event_id if here else None
        return found

    @abstractmethod
    async def ends(self, topic: str) -> Position:
        """The next offset of each partition of `topic` (its end)."""

    async def size(self, topic: str) -> int:
        """How many events `topic` holds: what a `parlons replay --all` job weighs
        (ADR 0121). By default its ends: right for a log whose partitions count
        from 0 and never drop a record."""
        return sum((await self.ends(topic)).values())

    @abstractmethod
    async def identity(self) -> str:
        """A name for this log that changes when it is replaced by another one or
        its topics are re-created (an older copy of the same log keeps it)."""


async def read_all(
    log: EventLog, topic: str, *, page: int = 1000
) -> AsyncIterator[Recorded]:
    """Every record of `topic`, page by page, in offset order per partition. Offsets
    may have gaps (the SQLite log's offsets are global row ids), so the next page
    starts after the last offset seen, never at a count."""
    start: Position = {}
    while records := await log.read(topic, start=dict(start) or None, limit=page):
        for record in records:
            start[record.partition] = max(start.get(record.partition, 0), record.offset + 1)
            yield record


async def ends_of(log: EventLog, topics: Sequence[str]) -> dict[str, Position]:
    """Each topic's end (`EventLog.ends`): where the log stood, for a wait on what
    was written before (read-your-writes) or for telling whether anything was
    written since (compared with ==)."""
    return {topic: await log.ends(topic) for topic in topics}


# Appending a decision's events at the version it was decided on: the one way
# handlers write. Each stream is expected at the version the decision read (0 for
# a new stream), so a concurrent writer makes the whole batch fail with
# `ConcurrencyConflict` and nothing is stored (optimistic concurrency, DESIGN §5).
# (stream, the version its decision read, the new events in order)
Write = tuple[str, int, Sequence[DomainEvent]]


async def append_at(log: EventLog, writes: Sequence[Write], *, clock: Clock, meta: Meta,
                    consultation_id: str | None = None,
                    extra_expect: Mapping[str, int] | None = None) -> list[Recorded]:
    """Append, in one atomic batch, each stream's events after its read version;
    `extra_expect` adds streams that must not have moved although nothing is
    written to them. Returns the records written (none when there is nothing)."""
    now = clock.now()
    expect = dict(extra_expect or {})
    envelopes = []
    for stream, version, events in writes:
        expect[stream] = version
        envelopes += [wrap(e, stream=stream, stream_version=version + i + 1, meta=meta,
                           occurred_at=now, consultation_id=consultation_id)
                      for i, e in enumerate(events)]
    return await log.append(envelopes, expect=expect) if envelopes else []


async def append_to(log: EventLog, stream: str, version: int, events: Sequence[DomainEvent], *,
                    clock: Clock, meta: Meta,
                    consultation_id: str | None = None) -> list[Recorded]:
    """`append_at` for one stream."""
    return await append_at(log, [(stream, version, events)], clock=clock, meta=meta,
                           consultation_id=consultation_id)
