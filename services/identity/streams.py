"""Stream names of the identity service and appending to them."""

from __future__ import annotations

from collections.abc import Sequence

from services.core.clock import Clock
from services.core.events import DomainEvent, Meta, wrap
from services.eventlog.port import EventLog

TOPIC = "identity.events"


def participant_stream(participant_id: str) -> str:
    return f"identity-{participant_id}"


def consultation_settings_stream(consultation_id: str) -> str:
    return f"identity-consultation-{consultation_id}"


def pseudonym_stream(pseudonym_key: str) -> str:
    return f"identity-pseudonym-{pseudonym_key}"


async def append(log: EventLog, *, clock: Clock, meta: Meta,
                 writes: Sequence[tuple[str, int, Sequence[DomainEvent]]],
                 consultation_id: str | None = None) -> None:
    """One atomic batch; each stream expected at the version it was read at."""
    now = clock.now()
    envelopes, expect = [], {}
    for stream, version, events in writes:
        expect[stream] = version
        envelopes += [wrap(e, stream=stream, stream_version=version + i + 1, meta=meta,
                           occurred_at=now, consultation_id=consultation_id)
                      for i, e in enumerate(events)]
    if envelopes:
        await log.append(envelopes, expect=expect)
