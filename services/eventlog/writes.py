"""Appending a decision's events at the version it was decided on: the one way
handlers write. Each stream is expected at the version the decision read (0 for
a new stream), so a concurrent writer makes the whole batch fail with
`ConcurrencyConflict` and nothing is stored (optimistic concurrency, DESIGN §5)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from services.core.clock import Clock
from services.core.events import DomainEvent, Meta, wrap
from services.eventlog.port import EventLog, Recorded

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
