"""Command handlers of the consultation aggregate: load, decide, append. Ports only.

Every handler takes the command first and its ports as keyword arguments:
`log` (EventLog), `clock` (Clock), `meta` (Meta: actor, correlation). Errors:
`DomainError` (French message, `field`), `ConcurrencyConflict` (retry).
Handlers for content are in `content_handlers.py` and `meeting_handlers.py`.
"""

from __future__ import annotations

from services.consultation import model
from services.consultation.commands import (
    CreateConsultation,
    PublishConsultation,
    SchedulePhases,
    UnpublishConsultation,
    UpdateConsultation,
)
from services.consultation.events import SlugReserved
from services.consultation.model import Consultation, slug_stream, stream_of
from services.consultation.streams import load
from services.core.clock import Clock
from services.core.errors import ConcurrencyConflict, DomainError
from services.core.events import DomainEvent, Meta
from services.eventlog.port import EventLog, append_at


async def create_consultation(
    cmd: CreateConsultation, *, log: EventLog, clock: Clock, meta: Meta
) -> str:
    stream, slug = stream_of(cmd.consultation_id), slug_stream(cmd.slug)
    version = await log.stream_version(stream)
    if version and await _reserved_for(log, slug) == cmd.consultation_id:
        return cmd.consultation_id  # this creation, sent again: its first answer
    reservation, created = model.decide_create(Consultation(cmd.consultation_id, version), cmd)
    try:  # the slug's stream can be written once: the log's key keeps slugs unique
        await append_at(log, clock=clock, meta=meta, consultation_id=cmd.consultation_id,
                     writes=[(slug, 0, [reservation]), (stream, version, [created])])
    except ConcurrencyConflict as conflict:
        if conflict.stream != slug:
            raise
        if await _reserved_for(log, slug) == cmd.consultation_id:
            return cmd.consultation_id  # this creation, sent again: its first answer
        raise DomainError("slug_taken", "Cette adresse courte est déjà utilisée.",
                          field="slug") from None
    return cmd.consultation_id


async def _reserved_for(log: EventLog, slug: str) -> str | None:
    """The consultation the slug's stream reserved it for."""
    for event in (await load(log, slug))[1]:
        if isinstance(event, SlugReserved):
            return event.consultation_id
    return None


async def update_consultation(
    cmd: UpdateConsultation, *, log: EventLog, clock: Clock, meta: Meta
) -> None:
    state = await load_consultation(log, cmd.consultation_id)
    await _run(state, model.decide_update(state, cmd), log=log, clock=clock, meta=meta)


async def schedule_phases(cmd: SchedulePhases, *, log: EventLog, clock: Clock, meta: Meta) -> None:
    state = await load_consultation(log, cmd.consultation_id)
    await _run(state, model.decide_schedule(state, cmd), log=log, clock=clock, meta=meta)


async def publish_consultation(
    cmd: PublishConsultation, *, log: EventLog, clock: Clock, meta: Meta
) -> None:
    state = await load_consultation(log, cmd.consultation_id)
    await _run(state, model.decide_publish(state, cmd), log=log, clock=clock, meta=meta)


async def unpublish_consultation(
    cmd: UnpublishConsultation, *, log: EventLog, clock: Clock, meta: Meta
) -> None:
    state = await load_consultation(log, cmd.consultation_id)
    await _run(state, model.decide_unpublish(state, cmd), log=log, clock=clock, meta=meta)


async def load_consultation(log: EventLog, consultation_id: str) -> Consultation:
    state = Consultation(consultation_id)
    _, events = await load(log, stream_of(consultation_id))
    for event in events:
        state = model.evolve(state, event)
    return state


async def _run(state: Consultation, events: list[DomainEvent], *, log: EventLog,
               clock: Clock, meta: Meta) -> None:
    """Append to the consultation's stream, expected at the version `state` was read at."""
    await append_at(log, clock=clock, meta=meta, consultation_id=state.consultation_id,
                 writes=[(stream_of(state.consultation_id), state.version, events)])
