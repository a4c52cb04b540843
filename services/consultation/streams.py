"""Loading an aggregate's events: its stream read from the log (`read_stream`),
upcast and turned back into domain events for `evolve` (ADR 0008, ADR 0030).
Commands that only need to know whether a stream exists use `stream_version`."""

from __future__ import annotations

from services.core.events import DomainEvent, event_class
from services.core.upcasting import upcast
from services.eventlog.port import EventLog

TOPIC = "consultation.events"


async def load(log: EventLog, stream: str) -> tuple[int, list[DomainEvent]]:
    """(version, events) of one stream, oldest first."""
    found = [upcast(e) for e in await log.read_stream(stream)]
    events = [event_class(e.type, e.schema_version).from_data(e.data) for e in found]
    return (found[-1].stream_version if found else 0), events


