"""Handlers for meetings, registrations, minutes and commissions. Ports as keyword
arguments: `log`, `clock`, `meta`; registration also reads the meeting's read
model (`store`) for its soft checks (capacity, past, cancelled)."""

from __future__ import annotations

import re

from services.consultation import meetings as m
from services.consultation.content_commands import (
    AddCommissionMember,
    CancelMeeting,
    CancelRegistration,
    CreateCommission,
    PublishCommissionReport,
    PublishMinutes,
    RegisterForMeeting,
    RemoveCommissionMember,
    ScheduleMeeting,
    UpdateMeeting,
)
from services.consultation.content_events import (
    MeetingRegistrationAdded,
    MeetingRegistrationCancelled,
)
from services.consultation.content_handlers import require_consultation
from services.consultation.projections_meetings import MEETINGS
from services.consultation.streams import load
from services.core.clock import Clock
from services.core.errors import ConcurrencyConflict, DomainError
from services.core.events import DomainEvent, Meta
from services.core.values import parse_iso
from services.eventlog.port import EventLog, append_at
from services.store.port import ReadStore

PARTICIPANT_ID = re.compile(r"^[A-Za-z0-9_-]{1,100}$")  # opaque, pseudonymous: never an e-mail


async def load_meeting(log: EventLog, meeting_id: str) -> m.Meeting:
    state = m.Meeting()
    for event in (await load(log, m.meeting_stream(meeting_id)))[1]:
        state = m.evolve(state, event)
    return state


async def load_commission(log: EventLog, commission_id: str) -> m.Commission:
    state = m.Commission()
    for event in (await load(log, m.commission_stream(commission_id)))[1]:
        state = m.evolve_commission(state, event)
    return state


async def _write(log: EventLog, clock: Clock, meta: Meta, stream: str, version: int,
                 consultation_id: str, events: list[DomainEvent]) -> None:
    await append_at(log, clock=clock, meta=meta, consultation_id=consultation_id,
                 writes=[(stream, version, events)])


async def schedule_meeting(cmd: ScheduleMeeting, *, log: EventLog, clock: Clock,
                           meta: Meta) -> str:
    update = isinstance(cmd, UpdateMeeting)
    if not update:
        await require_consultation(log, cmd.consultation_id)
    if cmd.commission_id and not await log.stream_version(m.commission_stream(cmd.commission_id)):
        raise DomainError("not_found", "Commission introuvable.", field="commission_id")
    state = await load_meeting(log, cmd.meeting_id) if update else m.Meeting(
        await log.stream_version(m.meeting_stream(cmd.meeting_id)))
    events = m.decide_schedule(state, cmd, update=update)
    await _write(log, clock, meta, m.meeting_stream(cmd.meeting_id), state.version,
                 cmd.consultation_id, events)
    return cmd.meeting_id


async def cancel_meeting(cmd: CancelMeeting, *, log: EventLog, clock: Clock, meta: Meta) -> None:
    state = await load_meeting(log, cmd.meeting_id)
    await _write(log, clock, meta, m.meeting_stream(cmd.meeting_id), state.version,
                 state.consultation_id, m.decide_cancel(state, cmd))


async def publish_minutes(cmd: PublishMinutes, *, log: EventLog, clock: Clock,
                          meta: Meta) -> None:
    state = await load_meeting(log, cmd.meeting_id)
    await _write(log, clock, meta, m.meeting_stream(cmd.meeting_id), state.version,
                 state.consultation_id, m.decide_minutes(state, cmd, clock.now()))


async def register_for_meeting(cmd: RegisterForMeeting, *, log: EventLog, clock: Clock,
                               meta: Meta, store: ReadStore) -> bool:
    """True if registered now, False if already registered (a retry is a no-op).
    Capacity is checked on the read model: concurrent registrations within the
    projection's lag may overshoot it slightly (ADR 0008)."""
    if not PARTICIPANT_ID.match(cmd.participant_id):
        raise DomainError("invalid_participant", "Identifiant de participant invalide.",
                          field="participant_id")
    meeting = await store.get(MEETINGS, "all", cmd.meeting_id)
    if meeting is None:
        raise DomainError("not_found", "Rencontre introuvable.", field="meeting_id")
    if meeting["cancelled"] or clock.now() >= parse_iso(meeting["ends_at"]):
        raise DomainError("closed", "Les inscriptions à cette rencontre sont closes.",
                          field="meeting_id")
    stream = m.registration_stream(cmd.meeting_id, cmd.participant_id)
    version = await log.stream_version(stream)
    if version % 2 == 1:
        return False
    cap = meeting["capacity"]
    if cap is not None and meeting["registrations"] >= cap:
        raise DomainError("full", "Cette rencontre est complète.", field="meeting_id")
    event = MeetingRegistrationAdded(cmd.meeting_id, meeting["consultation_id"],
                                     cmd.participant_id)
    try:
        await _write(log, clock, meta, stream, version, meeting["consultation_id"], [event])
    except ConcurrencyConflict:
        return False  # the same participant registered concurrently: one counts
    return True


async def cancel_registration(cmd: CancelRegistration, *, log: EventLog, clock: Clock,
                              meta: Meta, store: ReadStore) -> bool:
    stream = m.registration_stream(cmd.meeting_id, cmd.participant_id)
    version = await log.stream_version(stream)
    meeting = await store.get(MEETINGS, "all", cmd.meeting_id)
    if version % 2 == 0 or meeting is None:
        return False
    event = MeetingRegistrationCancelled(cmd.meeting_id, meeting["consultation_id"],
                                         cmd.participant_id)
    await _write(log, clock, meta, stream, version, meeting["consultation_id"], [event])
    return True


async def create_commission(cmd: CreateCommission, *, log: EventLog, clock: Clock,
                            meta: Meta) -> str:
    await require_consultation(log, cmd.consultation_id)
    stream = m.commission_stream(cmd.commission_id)
    state = m.Commission(await log.stream_version(stream))
    await _write(log, clock, meta, stream, state.version, cmd.consultation_id,
                 m.decide_create_commission(state, cmd))
    return cmd.commission_id


async def add_commission_member(cmd: AddCommissionMember, *, log: EventLog, clock: Clock,
                                meta: Meta) -> None:
    state = await load_commission(log, cmd.commission_id)
    await _write(log, clock, meta, m.commission_stream(cmd.commission_id), state.version,
                 state.consultation_id, m.decide_add_member(state, cmd))


async def remove_commission_member(cmd: RemoveCommissionMember, *, log: EventLog,
                                   clock: Clock, meta: Meta) -> None:
    state = await load_commission(log, cmd.commission_id)
    await _write(log, clock, meta, m.commission_stream(cmd.commission_id), state.version,
                 state.consultation_id, m.decide_remove_member(state, cmd))


async def publish_commission_report(cmd: PublishCommissionReport, *, log: EventLog,
                                    clock: Clock, meta: Meta) -> None:
    state = await load_commission(log, cmd.commission_id)
    await _write(log, clock, meta, m.commission_stream(cmd.commission_id), state.version,
                 state.consultation_id, m.decide_report(state, cmd))
