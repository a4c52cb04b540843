"""Loading an aggregate's events and appending new ones.

The event log port has no per-stream read, so `load` scans the consultation
topic and keeps one stream's events. That costs a pass over `consultation.events`,
which only organisers write to (a few thousand events); commands that only need
to know whether a stream exists use `stream_version` instead, and participant
registrations never load (see ADR 0008). An adapter-level `read_stream` would
remove the scan.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from services.core.clock import Clock
from services.core.events import DomainEvent, Meta, event_class, wrap
from services.core.upcasting import upcast
from services.eventlog.port import EventLog, read_all

TOPIC = "consultation.events"


async def load(log: EventLog, stream: str) -> tuple[int, list[DomainEvent]]:
    """(version, events) of one stream, oldest first."""
    if await log.stream_version(stream) == 0:
        return 0, []  # a new aggregate: no need to scan
    found = [upcast(rec.event) async for rec in read_all(log, TOPIC)
             if rec.event.stream == stream]
    found.sort(key=lambda e: e.stream_version)
    events = [event_class(e.type, e.schema_version).from_data(e.data) for e in found]
    return (found[-1].stream_version if found else 0), events


async def append(
    log: EventLog,
    *,
    clock: Clock,
    meta: Meta,
    consultation_id: str,
    writes: Sequence[tuple[str, int, Sequence[DomainEvent]]],
    extra_expect: Mapping[str, int] | None = None,
) -> None:
    """Append, in one atomic batch, each (stream, version it was read at, new events).
    Every stream is expected at its read version: a concurrent writer makes the
    whole batch fail with ConcurrencyConflict, and nothing is stored."""
    now = clock.now()
    envelopes = []
    expect = dict(extra_expect or {})
    for stream, version, events in writes:
        expect[stream] = version
        envelopes += [
            wrap(e, stream=stream, stream_version=version + i + 1, meta=meta,
                 occurred_at=now, consultation_id=consultation_id)
            for i, e in enumerate(events)
        ]
    if envelopes:
        await log.append(envelopes, expect=expect)
