"""Messages to a meeting's participants, sent by `parlons meeting-notices` (a
scheduled job): the seat given to the first one waiting when someone cancels,
the reminder the day before, and the meeting's cancellation to everyone seated
or waiting (ADR 0139). Each is claimed in the log before it is sent (the first
event of its own stream, expected at version 0), so however many jobs run, one
message goes out per promotion, one reminder and one cancellation notice per
meeting and person. A job that dies between its claim and the sending loses
that message: at most once, never twice (ADR 0065).

Who is written to comes from the meeting's stream read from the log (the
truth: someone who cancelled since is not reminded); their address from the
identity service's vault through `ParticipantMail`, never from an event. Times
are said in Europe/Paris."""

from __future__ import annotations

from datetime import UTC, timedelta
from zoneinfo import ZoneInfo

from services.consultation import meetings as m
from services.consultation.content_events import (
    MeetingCancellationNotified,
    MeetingPromotionNotified,
    MeetingReminderSent,
)
from services.consultation.meeting_handlers import load_meeting
from services.consultation.projections_meetings import ALL, BY_DATE, CANCELLATIONS, PROMOTIONS
from services.core.clock import Clock
from services.core.errors import ConcurrencyConflict
from services.core.events import DomainEvent, Meta
from services.core.notify import ParticipantMail
from services.core.values import iso, parse_iso
from services.eventlog.port import EventLog, append_to
from services.store.port import ReadStore

PARIS = ZoneInfo("Europe/Paris")
REMIND_WITHIN = timedelta(hours=24)  # "the day before": the day before it starts
PAGE = 500
_MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
           "septembre", "octobre", "novembre", "décembre")


def paris_time(value: str) -> str:
    """« 2 décembre 2026 à 18 h 00 », in France's time, summer and winter alike."""
    d = parse_iso(value).astimezone(PARIS)
    return f"{d.day} {_MONTHS[d.month - 1]} {d.year} à {d.hour:02d} h {d.minute:02d}"


def _link(public_url: str, meeting_id: str) -> str:
    return f"{public_url.rstrip('/')}/evenements/{meeting_id}"


def reminder_body(state: m.Meeting, public_url: str) -> str:
    return "\n".join([
        "Bonjour,", "",
        f"Vous êtes inscrit·e à la rencontre « {state.title} », qui commence le "
        f"{paris_time(state.starts_at)} (heure de Paris).", "",
        f"Le lieu et les détails : {_link(public_url, state.meeting_id)}",
        "Si vous ne pouvez plus venir, annulez votre inscription sur cette page : "
        "votre place ira à la première personne en liste d'attente.", "",
        "L'équipe Parlons"])


def promotion_body(state: m.Meeting, public_url: str) -> str:
    return "\n".join([
        "Bonjour,", "",
        f"Une place s'est libérée pour la rencontre « {state.title} » du "
        f"{paris_time(state.starts_at)} (heure de Paris) : vous étiez en liste "
        "d'attente, vous êtes maintenant inscrit·e.", "",
        f"Les détails, ou pour annuler : {_link(public_url, state.meeting_id)}", "",
        "L'équipe Parlons"])


def cancellation_body(state: m.Meeting, waiting: bool, public_url: str) -> str:
    held = "étiez en liste d'attente pour" if waiting else "étiez inscrit·e à"
    return "\n".join([
        "Bonjour,", "",
        f"La rencontre « {state.title} » prévue le {paris_time(state.starts_at)} (heure de "
        f"Paris) est annulée. Vous {held} cette rencontre : votre inscription prend fin, "
        "vous n'avez rien à faire.", "",
        f"La page de la rencontre : {_link(public_url, state.meeting_id)}", "",
        "L'équipe Parlons"])


async def _claim(log: EventLog, clock: Clock, meta: Meta, stream: str,
                 event: DomainEvent, consultation_id: str) -> bool:
    try:
        await append_to(log, stream, 0, [event], clock=clock, meta=meta,
                        consultation_id=consultation_id)
    except ConcurrencyConflict:
        return False  # another job has it
    return True


async def send_promotion_notices(*, log: EventLog, store: ReadStore, clock: Clock,
                                 mail: ParticipantMail, meta: Meta,
                                 public_url: str = "") -> int:
    """One message per promotion still seated; returns how many were sent."""
    sent = 0
    for _, doc in await store.list(PROMOTIONS, ALL, limit=PAGE):
        if doc.get("notified"):
            continue  # the notice's mark, its promotion not projected yet
        mid, pid, version = doc["meeting_id"], doc["participant_id"], doc["promotion_version"]
        event = MeetingPromotionNotified(mid, doc["consultation_id"], pid, version)
        if not await _claim(log, clock, meta, m.promotion_stream(mid, version), event,
                            doc["consultation_id"]):
            continue
        state = await load_meeting(log, mid)
        if state.status_of(pid) == "registered" and not state.cancelled:
            sent += await mail.send(pid, f"Parlons : une place pour « {state.title} »",
                                    promotion_body(state, public_url))
    return sent


async def send_reminders(*, log: EventLog, store: ReadStore, clock: Clock,
                         mail: ParticipantMail, meta: Meta, public_url: str = "") -> int:
    """The reminder of every meeting starting within a day, once each; returns
    how many messages were sent."""
    now = clock.now().astimezone(UTC)
    sent = 0
    for _, doc in await store.list(BY_DATE, ALL, after=iso(now), limit=PAGE):
        if parse_iso(doc["starts_at"]) > now + REMIND_WITHIN:
            break
        if doc["cancelled"]:
            continue
        state = await load_meeting(log, doc["meeting_id"])
        event = MeetingReminderSent(state.meeting_id, state.consultation_id,
                                    len(state.seated))
        if state.cancelled or not await _claim(log, clock, meta,
                                               m.reminder_stream(state.meeting_id), event,
                                               state.consultation_id):
            continue
        subject = f"Parlons : rappel, « {state.title} » le {paris_time(state.starts_at)}"
        for pid in state.seated:
            sent += await mail.send(pid, subject, reminder_body(state, public_url))
    return sent


async def send_cancellation_notices(*, log: EventLog, store: ReadStore, clock: Clock,
                                    mail: ParticipantMail, meta: Meta,
                                    public_url: str = "") -> int:
    """One message per person seated or waiting when the meeting was cancelled
    and still on it in the log (nobody for a meeting already over); returns how
    many were sent."""
    now = clock.now().astimezone(UTC)
    sent = 0
    for _, doc in await store.list(CANCELLATIONS, ALL, limit=PAGE):
        if doc.get("notified"):
            continue  # the notice's mark, its cancellation not projected yet
        state = await load_meeting(log, doc["meeting_id"])
        if not state.cancelled:
            continue
        over = now >= parse_iso(state.ends_at)
        people = [] if over else [*((p, False) for p in state.seated),
                                  *((p, True) for p in state.waiting)]
        event = MeetingCancellationNotified(state.meeting_id, state.consultation_id,
                                            len(people))
        if not await _claim(log, clock, meta, m.cancellation_stream(state.meeting_id), event,
                            state.consultation_id):
            continue
        subject = f"Parlons : la rencontre « {state.title} » est annulée"
        for pid, waiting in people:
            sent += await mail.send(pid, subject, cancellation_body(state, waiting, public_url))
    return sent
