"""Meetings (local or online events) and their minutes, as pure decide/evolve
functions (commissions: `commissions.py`)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from services.consultation import content_events as ev
from services.consultation.content_commands import (
    CancelMeeting,
    PublishMinutes,
    ScheduleMeeting,
)
from services.core.errors import DomainError, Refusals
from services.core.events import DomainEvent
from services.core.values import https_url, ident, instant, iso, parse_iso, text
from services.territory import lookup_postcode

MAX_CAPACITY = 100_000
REGISTER = "register_meeting"  # the phase action that opens registrations (phases.ACTIONS)
REGISTRATION_NOT_OPEN = ("Les inscriptions aux rencontres de cette consultation ne sont pas "
                         "ouvertes en ce moment.")
# (lat min, lat max, lon min, lon max): mainland France and Corsica, then overseas.
BOUNDS = {
    "metropole": (41.3, 51.2, -5.3, 9.7),
    "971": (15.8, 16.6, -61.9, -60.9), "972": (14.3, 15.0, -61.3, -60.7),
    "973": (2.0, 5.9, -54.7, -51.5), "974": (-21.5, -20.8, 55.1, 56.0),
    "976": (-13.1, -12.5, 44.9, 45.4),
}


@dataclass(frozen=True, slots=True)
class Meeting:
    """The meeting's stream folded: its schedule, and who holds a seat or waits,
    in order of arrival (registrations live on the same stream, ADR 0065)."""

    version: int = 0
    meeting_id: str = ""
    consultation_id: str = ""
    title: str = ""
    starts_at: str = ""
    ends_at: str = ""
    capacity: int | None = None
    cancelled: bool = False
    seated: tuple[str, ...] = ()
    waiting: tuple[str, ...] = ()

    @property
    def exists(self) -> bool:
        return self.version > 0

    def status_of(self, participant_id: str) -> str:
        """registered | waiting | "" (neither)."""
        if participant_id in self.seated:
            return "registered"
        return "waiting" if participant_id in self.waiting else ""


def meeting_stream(meeting_id: str) -> str:
    return f"meeting-{meeting_id}"


def reminder_stream(meeting_id: str) -> str:
    return f"meeting-{meeting_id}-reminder"


def cancellation_stream(meeting_id: str) -> str:
    return f"meeting-{meeting_id}-cancellation"


def promotion_stream(meeting_id: str, promotion_version: int) -> str:
    return f"meeting-{meeting_id}-promotion-{promotion_version}"


def decide_schedule(state: Meeting, cmd: ScheduleMeeting, *, update: bool) -> list[DomainEvent]:
    ident(cmd.meeting_id, "meeting_id")
    if update and not state.exists:
        raise DomainError("not_found", "Rencontre introuvable.", field="meeting_id")
    if not update and state.exists:
        raise DomainError("already_exists", "Cette rencontre existe déjà.", field="meeting_id")
    if update:
        _same_consultation(state, cmd.consultation_id)
    if state.cancelled:
        raise DomainError("cancelled", "Cette rencontre est annulée.", field="meeting_id")
    fields = _details(cmd)
    # (the capacity is at least 1 here: two people or more are seated)
    if cmd.capacity is not None and cmd.capacity < len(state.seated):
        raise DomainError("capacity_below_registrations",
                          f"{len(state.seated)} personnes sont déjà inscrites : le nombre de "
                          f"places ne peut pas être inférieur à {len(state.seated)}.",
                          field="capacity")
    cls = ev.MeetingUpdated if update else ev.MeetingScheduled
    events: list[DomainEvent] = [cls(meeting_id=cmd.meeting_id,
                                     consultation_id=cmd.consultation_id, **fields)]
    # More seats than people seated: the first ones waiting take them, in order.
    free = len(state.waiting) if cmd.capacity is None else cmd.capacity - len(state.seated)
    events += [ev.MeetingWaitlistPromoted(cmd.meeting_id, cmd.consultation_id, who)
               for who in state.waiting[:max(0, free)]]
    return events


def _details(cmd: ScheduleMeeting) -> dict[str, Any]:
    """The meeting's details as event data; every field is checked in the form's
    order and their refusals reported together (ADR 0144), a check needing a
    refused value skipped."""
    commune = departement = ""
    with Refusals() as refused:
        title = refused.check(text, cmd.title, "title", label="Le titre", max_len=200,
                              min_len=3)
        description = refused.check(text, cmd.description, "description",
                                    label="La description", max_len=5000)
        starts = refused.check(instant, cmd.starts_at, "starts_at")
        ends = refused.check(instant, cmd.ends_at, "ends_at")
        if starts is not None and ends is not None and ends <= starts:
            refused.add(DomainError("ends_before_start",
                                    "La rencontre doit se terminer après son début.",
                                    field="ends_at"))
        address = refused.check(text, cmd.address, "address", label="L'adresse", max_len=300)
        if cmd.postcode.strip():
            if address == "":
                refused.add(DomainError("required", "L'adresse est obligatoire.",
                                        field="address"))
            place = refused.check(lookup_postcode, cmd.postcode)
            if place is not None:
                commune, departement = place.communes[0], place.departement.code
        elif not cmd.online_url.strip():
            refused.add(DomainError("no_place", "Indiquez une adresse et un code postal, ou un "
                                    "lien pour une rencontre en ligne.", field="postcode"))
        if (cmd.latitude is None) != (cmd.longitude is None):
            refused.add(DomainError("partial_coordinates",
                                    "Indiquez la latitude et la longitude.", field="latitude"))
        if cmd.latitude is not None and cmd.longitude is not None \
                and not refused.failed("postcode"):  # its département bounds them
            refused.check(_check_in_france, cmd.latitude, cmd.longitude, departement)
        if cmd.capacity is not None and not 1 <= cmd.capacity <= MAX_CAPACITY:
            refused.add(DomainError("invalid_capacity",
                                    f"La jauge doit être comprise entre 1 et {MAX_CAPACITY}.",
                                    field="capacity"))
        online = refused.check(https_url, cmd.online_url, "online_url",
                               label="Le lien de la rencontre en ligne") \
            if cmd.online_url.strip() else ""
        if cmd.commission_id is not None:
            refused.check(ident, cmd.commission_id, "commission_id")
    return {
        "title": title, "description": description,
        "starts_at": iso(cmd.starts_at), "ends_at": iso(cmd.ends_at),
        "address": address, "postcode": cmd.postcode.strip(), "commune": commune,
        "departement": departement, "latitude": cmd.latitude, "longitude": cmd.longitude,
        "capacity": cmd.capacity, "online_url": online, "commission_id": cmd.commission_id,
    }


def _check_in_france(lat: float, lon: float, departement: str) -> None:
    lat_min, lat_max, lon_min, lon_max = BOUNDS.get(departement, BOUNDS["metropole"])
    if not (lat_min <= lat <= lat_max and lon_min <= lon <= lon_max):
        raise DomainError("out_of_bounds", "Les coordonnées ne sont pas en France (ou pas dans "
                          "le département du code postal).", field="latitude")


def _same_consultation(state: Meeting, consultation_id: str) -> None:
    """An organiser's command names the consultation their role was checked on: a
    meeting of another one is refused, whoever sent it."""
    if state.consultation_id != consultation_id:
        raise DomainError("wrong_consultation", "Cette rencontre appartient à une autre "
                          "consultation.", field="consultation_id")


def decide_cancel(state: Meeting, cmd: CancelMeeting) -> list[DomainEvent]:
    if not state.exists:
        raise DomainError("not_found", "Rencontre introuvable.", field="meeting_id")
    _same_consultation(state, cmd.consultation_id)
    return [] if state.cancelled else [ev.MeetingCancelled(cmd.meeting_id, state.consultation_id)]


def decide_register(state: Meeting, participant_id: str, now: datetime, *,
                    phase_open: bool) -> list[DomainEvent]:
    """A seat while the meeting has one free, else a place on its waiting list;
    nothing for someone already seated or waiting (a retry). `phase_open`: the
    consultation's phase open now offers « s'inscrire à une rencontre »."""
    if not state.exists:
        raise DomainError("not_found", "Rencontre introuvable.", field="meeting_id")
    if state.cancelled or now >= parse_iso(state.ends_at):
        raise DomainError("closed", "Les inscriptions à cette rencontre sont closes.",
                          field="meeting_id")
    if state.status_of(participant_id):
        return []
    if not phase_open:
        raise DomainError("registration_not_open", REGISTRATION_NOT_OPEN, field="meeting_id")
    args = (state.meeting_id, state.consultation_id, participant_id)
    if state.capacity is None or len(state.seated) < state.capacity:
        return [ev.MeetingRegistrationAdded(*args)]
    return [ev.MeetingWaitlistJoined(*args)]


def decide_unregister(state: Meeting, participant_id: str, now: datetime) -> list[DomainEvent]:
    """Give up a seat (the first one waiting takes it, in the same append) or a
    place on the waiting list; nothing for someone neither seated nor waiting."""
    args = (state.meeting_id, state.consultation_id)
    if participant_id in state.waiting:
        return [ev.MeetingWaitlistLeft(*args, participant_id)]
    if participant_id not in state.seated:
        return []
    events: list[DomainEvent] = [ev.MeetingRegistrationCancelled(*args, participant_id)]
    # A seat is free only under the capacity: a meeting seated beyond it (its
    # capacity lowered before that was refused) promotes no one until it is.
    free = state.capacity is None or len(state.seated) - 1 < state.capacity
    if free and state.waiting and not state.cancelled and now < parse_iso(state.ends_at):
        events.append(ev.MeetingWaitlistPromoted(*args, state.waiting[0]))
    return events


def decide_release(state: Meeting, participant_id: str, now: datetime) -> list[DomainEvent]:
    """An erased participant's seat or waiting place given up, as a cancellation
    would (the first one waiting takes a freed seat), for a meeting not over yet;
    a meeting over keeps its list as it was, the person in it anonymous."""
    if not state.exists or now >= parse_iso(state.ends_at):
        return []
    return decide_unregister(state, participant_id, now)


def decide_minutes(state: Meeting, cmd: PublishMinutes, now: datetime) -> list[DomainEvent]:
    if not state.exists or state.cancelled:
        raise DomainError("not_found", "Rencontre introuvable ou annulée.", field="meeting_id")
    _same_consultation(state, cmd.consultation_id)
    if now < parse_iso(state.ends_at):
        raise DomainError("meeting_not_over",
                          "Le compte rendu ne peut être publié qu'après la rencontre.",
                          field="meeting_id")
    if not 0 <= cmd.attendance <= 1_000_000:
        raise DomainError("invalid_attendance", "Le nombre de participants est invalide.",
                          field="attendance")
    if len(cmd.contribution_ids) > 500:
        raise DomainError("too_many_links", "Au plus 500 contributions liées.",
                          field="contribution_ids")
    for i, cid in enumerate(cmd.contribution_ids):
        ident(cid, f"contribution_ids.{i}")
    summary = text(cmd.summary, "summary", label="Le compte rendu", max_len=20_000, min_len=1)
    return [ev.MinutesPublished(cmd.meeting_id, state.consultation_id, summary,
                                cmd.attendance, list(dict.fromkeys(cmd.contribution_ids)))]


def evolve(state: Meeting, event: DomainEvent) -> Meeting:
    state = replace(state, version=state.version + 1)
    if isinstance(event, ev.MeetingScheduled):  # MeetingUpdated too (a subclass)
        return replace(state, meeting_id=event.meeting_id, consultation_id=event.consultation_id,
                       title=event.title, starts_at=event.starts_at, ends_at=event.ends_at,
                       capacity=event.capacity)
    if isinstance(event, ev.MeetingCancelled):
        return replace(state, cancelled=True)
    return _evolve_people(state, event)


def _evolve_people(state: Meeting, event: DomainEvent) -> Meeting:
    who = getattr(event, "participant_id", "")
    if isinstance(event, ev.MeetingRegistrationAdded):
        return replace(state, seated=(*state.seated, who))
    if isinstance(event, ev.MeetingRegistrationCancelled):
        return replace(state, seated=tuple(p for p in state.seated if p != who))
    if isinstance(event, ev.MeetingWaitlistJoined):
        return replace(state, waiting=(*state.waiting, who))
    if isinstance(event, ev.MeetingWaitlistLeft):
        return replace(state, waiting=tuple(p for p in state.waiting if p != who))
    if isinstance(event, ev.MeetingWaitlistPromoted):
        return replace(state, waiting=tuple(p for p in state.waiting if p != who),
                       seated=(*state.seated, who))
    return state
