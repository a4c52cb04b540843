"""Handlers for meetings, registrations and minutes (commissions:
`commission_handlers.py`). Ports as keyword arguments: `log`, `clock`, `meta`.
Registrations are decided on the meeting's stream read from the log (capacity,
waiting list, past, cancelled: ADR 0065), and on the consultation's own stream
(published, its phase open now offering « s'inscrire à une rencontre »: ADR 0139).
A meeting names a commission of its consultation, or none (ADR 0140)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from functools import partial

from services.consultation import meetings as m
from services.consultation.commission_handlers import load_commission
from services.consultation.content_commands import (
    CancelMeeting,
    CancelRegistration,
    PublishMinutes,
    RegisterForMeeting,
    ScheduleMeeting,
    UpdateMeeting,
)
from services.consultation.content_handlers import require_consultation
from services.consultation.handlers import load_consultation
from services.consultation.phases import open_actions
from services.consultation.streams import load
from services.core.clock import Clock
from services.core.errors import ConcurrencyConflict, DomainError, NotFound
from services.core.events import DomainEvent, Meta
from services.eventlog.port import EventLog, append_at

PARTICIPANT_ID = re.compile(r"^[A-Za-z0-9_-]{1,100}$")  # opaque, pseudonymous: never an e-mail


async def load_meeting(log: EventLog, meeting_id: str) -> m.Meeting:
    state = m.Meeting()
    for event in (await load(log, m.meeting_stream(meeting_id)))[1]:
        state = m.evolve(state, event)
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
    cmd = replace(cmd, commission_id=await _commission_link(log, cmd, update=update))
    state = await load_meeting(log, cmd.meeting_id) if update else m.Meeting(
        await log.stream_version(m.meeting_stream(cmd.meeting_id)))
    events = m.decide_schedule(state, cmd, update=update)
    await _write(log, clock, meta, m.meeting_stream(cmd.meeting_id), state.version,
                 cmd.consultation_id, events)
    return cmd.meeting_id


async def _commission_link(log: EventLog, cmd: ScheduleMeeting, *, update: bool) -> str | None:
    """The commission the meeting names, if any: one of its consultation, decided
    on the commission's stream. A removed one is refused for a new meeting, and an
    edit sent by a page that still named it drops the link (ADR 0140)."""
    if not cmd.commission_id:
        return cmd.commission_id
    commission = await load_commission(log, cmd.commission_id)
    if commission.removed and update:
        return None
    if not commission.exists or commission.consultation_id != cmd.consultation_id:
        raise DomainError("not_found", "Commission introuvable.", field="commission_id")
    return cmd.commission_id


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
                               meta: Meta) -> str:
    """registered | waiting: a seat while one is free, else the waiting list;
    a retry answers the participant's present state. Decided on the meeting's
    stream, where every seat is taken: two registrations for the last seat
    append at the same version, the log lets one win, and the other decides
    again on what it now reads (ADR 0065)."""
    _check_participant(cmd.participant_id)
    meeting = await load_meeting(log, cmd.meeting_id)
    phase_open = True  # (a meeting that does not exist is refused by the decision)
    if meeting.consultation_id:
        consultation = await load_consultation(log, meeting.consultation_id)
        if not consultation.published:
            # a draft's or an unpublished consultation's meeting is not the public's:
            # its page answers 404, and so does a registration sent without it
            raise NotFound("Rencontre")
        # its phases, from its own stream: registering is a phase's action
        phase_open = m.REGISTER in open_actions(consultation.phases, clock.now())
    state = await _on_meeting(log, clock, meta, cmd.meeting_id, cmd.participant_id,
                              partial(m.decide_register, phase_open=phase_open), meeting)
    return state.status_of(cmd.participant_id)


async def cancel_registration(cmd: CancelRegistration, *, log: EventLog, clock: Clock,
                              meta: Meta) -> bool:
    """True if the participant gave up a seat or a waiting place now. A freed
    seat goes to the first one waiting in the same append."""
    _check_participant(cmd.participant_id)
    before = await load_meeting(log, cmd.meeting_id)
    if not before.status_of(cmd.participant_id):
        return False
    after = await _on_meeting(log, clock, meta, cmd.meeting_id, cmd.participant_id,
                              m.decide_unregister, before)
    return not after.status_of(cmd.participant_id)


async def release_seat(meeting_id: str, participant_id: str, *, log: EventLog, clock: Clock,
                       meta: Meta) -> bool:
    """An erased participant's seat or waiting place given up (`decide_release`:
    a meeting not over yet); True if they gave one up now. Nothing for one
    already gone: a redelivered erasure writes nothing more."""
    before = await load_meeting(log, meeting_id)
    if not before.status_of(participant_id):
        return False
    after = await _on_meeting(log, clock, meta, meeting_id, participant_id, m.decide_release,
                              before)
    return not after.status_of(participant_id)


Decide = Callable[[m.Meeting, str, datetime], list[DomainEvent]]
RETRIES = 20  # registrations racing for one meeting: each loser decides again


async def _on_meeting(log: EventLog, clock: Clock, meta: Meta, meeting_id: str,
                      participant_id: str, decide: Decide, read: m.Meeting) -> m.Meeting:
    """Decide on `read` (the meeting as the caller just folded it), append at its
    version; on a concurrent writer, fold the meeting again and decide again.
    Returns the state after the append."""
    state = read
    for _ in range(RETRIES):
        events = decide(state, participant_id, clock.now())
        if not events:
            return state
        try:
            await _write(log, clock, meta, m.meeting_stream(meeting_id), state.version,
                         state.consultation_id, events)
        except ConcurrencyConflict:
            state = await load_meeting(log, meeting_id)
            continue
        for event in events:
            state = m.evolve(state, event)
        return state
    raise DomainError("busy", "Trop d'inscriptions simultanées : réessayez dans un instant.")


def _check_participant(participant_id: str) -> None:
    if not PARTICIPANT_ID.match(participant_id):
        raise DomainError("invalid_participant", "Identifiant de participant invalide.",
                          field="participant_id")
