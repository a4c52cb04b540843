"""Command handlers: load state from the log, decide, append. Ports only."""

from __future__ import annotations

from services.consultation.commands import CreateConsultation
from services.consultation.model import Consultation, decide_create, stream_of
from services.core.clock import Clock
from services.core.events import Meta, wrap
from services.eventlog.port import EventLog


async def create_consultation(
    cmd: CreateConsultation, *, log: EventLog, clock: Clock, meta: Meta
) -> str:
    stream = stream_of(cmd.consultation_id)
    version = await log.stream_version(stream)
    events = decide_create(Consultation(cmd.consultation_id, version), cmd)
    envelopes = [
        wrap(e, stream=stream, stream_version=version + i + 1, meta=meta,
             occurred_at=clock.now(), consultation_id=cmd.consultation_id)
        for i, e in enumerate(events)
    ]
    await log.append(envelopes, expect={stream: version})
    return cmd.consultation_id
