"""Loading an aggregate's events and appending new ones.

The event log port has no per-stream read, so `load` scans the consultation
topic and keeps one stream's events. That costs a pass over `consultation.events`,
which only organisers write to (a few thousand events); commands that only need
to know whether a stream exists use `stream_version` instead, and participant
registrations never load (see ADR 0008). An adapter-level `read_stream` would
remove the scan.
"""

from __future__ import annotations

from services.core.events import DomainEvent, event_class
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


