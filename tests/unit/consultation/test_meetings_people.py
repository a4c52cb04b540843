"""Who may hold a meeting's seat, and who is told (ADR 0139): registering only while
the consultation's open phase offers « s'inscrire à une rencontre » (cancelling
always), an erased account's seat given up by the process manager (the first one
waiting promoted), a cancelled meeting told once to everyone seated or waiting."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

import pytest
from harness.events import Streams

from consultation.consultation_world import NOW, Outbox, World
from services.consultation import handlers as h
from services.consultation import meeting_handlers as mh
from services.consultation.commands import (
    CreateConsultation,
    PhaseSpec,
    PublishConsultation,
    SchedulePhases,
)
from services.consultation.content_commands import (
    CancelMeeting,
    CancelRegistration,
    RegisterForMeeting,
    ScheduleMeeting,
)
from services.consultation.meeting_erasure import ErasedLeaveMeetings
from services.consultation.meeting_notices import send_cancellation_notices
from services.consultation.meetings import Meeting, decide_register
from services.core.envelope import Envelope
from services.core.errors import DomainError
from services.eventlog.port import Position

H = timedelta(hours=1)
REGISTERING = ("debate", "register_meeting")


async def _consultation(world: World, actions: tuple[str, ...] = REGISTERING) -> None:
    await h.create_consultation(CreateConsultation("c1", "Plan vélo", "velo"), **world.ports)  # type: ignore[arg-type]
    await _phase(world, actions)
    await h.publish_consultation(PublishConsultation("c1"), **world.ports)  # type: ignore[arg-type]


async def _phase(world: World, actions: tuple[str, ...], start: datetime = NOW - 24 * H,
                 ) -> None:
    await h.schedule_phases(SchedulePhases("c1", (PhaseSpec(
        "debat", "debate", "Débat", start, start + 240 * H, actions=actions),)), **world.ports)  # type: ignore[arg-type]


async def _meeting(world: World, mid: str = "m1", *, starts: datetime = NOW + 24 * H,
                   capacity: int = 1) -> None:
    await mh.schedule_meeting(ScheduleMeeting(
        mid, "c1", "Réunion publique", starts, starts + 2 * H, address="1 place de la Comédie",
        postcode="69001", capacity=capacity), **world.ports)  # type: ignore[arg-type]


async def _register(world: World, who: str, mid: str = "m1") -> str:
    return await mh.register_for_meeting(RegisterForMeeting(mid, who), **world.ports)  # type: ignore[arg-type,no-any-return]


def test_the_decision_refuses_a_registration_outside_a_phase_offering_it() -> None:
    state = Meeting(version=1, meeting_id="m1", consultation_id="c1",
                    ends_at="2999-01-01T00:00:00Z", capacity=2, seated=("p-1",))
    with pytest.raises(DomainError) as err:
        decide_register(state, "p-2", NOW, phase_open=False)
    assert err.value.code == "registration_not_open"
    assert "ne sont pas ouvertes" in err.value.message
    assert decide_register(state, "p-1", NOW, phase_open=False) == []  # a retry: its seat
    assert [type(e).__name__ for e in decide_register(state, "p-2", NOW, phase_open=True)] \
        == ["MeetingRegistrationAdded"]


async def test_registering_needs_the_open_phase_to_offer_it_cancelling_does_not(
        world: World) -> None:
    """« s'inscrire à une rencontre » unticked in the only open phase: people still
    registered, and joined the waiting list."""
    await _consultation(world, actions=("deposit", "comment"))
    await _meeting(world)
    before = len(await world.events())
    for who in ("p-1", "p-2"):  # a seat, then the waiting list: both refused
        with pytest.raises(DomainError) as err:
            await _register(world, who)
        assert err.value.code == "registration_not_open"
    assert len(await world.events()) == before
    await _phase(world, REGISTERING)  # the organiser ticks it: decided on the log at once
    assert await _register(world, "p-1") == "registered"
    await _phase(world, ("deposit",))  # and unticks it
    with pytest.raises(DomainError):
        await _register(world, "p-2")
    assert await _register(world, "p-1") == "registered"  # a retry answers the seat held
    assert await mh.cancel_registration(CancelRegistration("m1", "p-1"), **world.ports)  # type: ignore[arg-type]
    await _phase(world, REGISTERING, start=NOW + 2 * H)  # between phases: not yet open
    with pytest.raises(DomainError):
        await _register(world, "p-2")
    state = await mh.load_meeting(world.log, "m1")
    assert (state.seated, state.waiting) == ((), ())


class Progress:
    """`ModelProgress`: whether the meetings' model holds the log (the world
    projects by hand); what it was asked."""

    def __init__(self, holds: bool = True) -> None:
        self._holds = holds
        self.asked: list[str] = []

    async def holds(self, consumer: str, upto: Mapping[str, Position], *,
                    within: float) -> bool:
        self.asked.append(consumer)
        return self._holds


def _erased(*participants: str) -> list[Envelope]:
    streams = Streams(NOW)
    return [streams.add("identity.ParticipantErased", f"participant-{p}", participant_id=p)
            for p in participants]


async def test_an_erased_account_gives_up_its_seats_and_the_first_waiting_takes_one(
        world: World) -> None:
    await _consultation(world)
    await _meeting(world, "m1")  # one seat
    await _meeting(world, "m2", capacity=5)
    await _meeting(world, "past", starts=NOW + 2 * H)
    for who in ("p-erased", "p-waits"):
        await _register(world, who, "m1")
    await _register(world, "p-erased", "m2")
    await _register(world, "p-erased", "past")
    await world.project()
    progress = Progress()
    manager = ErasedLeaveMeetings(world.log, world.store, world.clock, progress)
    world.clock.advance(5 * H)  # `past` is over now: its list stays as it was
    await manager.handle(_erased("p-erased"))
    m1, m2, past = [await mh.load_meeting(world.log, mid) for mid in ("m1", "m2", "past")]
    assert (m1.seated, m1.waiting) == (("p-waits",), ())  # promoted, in the same append
    assert m2.seated == () and past.seated == ("p-erased",)
    assert progress.asked == ["consultation.meetings"]
    written = len(await world.events())
    await manager.handle(_erased("p-erased"))  # the erasure handed again: nothing more
    assert len(await world.events()) == written
    await world.project()
    [(_, pending)] = await world.store.list("meeting_promotions_pending", "all")
    assert pending["participant_id"] == "p-waits"  # told by the notices' job


async def test_an_erasure_waits_for_the_registrations_model(world: World) -> None:
    await _consultation(world)
    await _meeting(world)
    await _register(world, "p-erased")
    await world.project()
    manager = ErasedLeaveMeetings(world.log, world.store, world.clock, Progress(holds=False))
    with pytest.raises(TimeoutError):  # an outage for the worker: tried again later
        await manager.handle(_erased("p-erased"))
    assert (await mh.load_meeting(world.log, "m1")).seated == ("p-erased",)


async def test_a_cancelled_meeting_is_told_once_to_everyone_seated_or_waiting(
        world: World) -> None:
    await _consultation(world)
    await _meeting(world)  # one seat
    await _meeting(world, "over", starts=NOW + 2 * H)
    for who in ("p-1", "p-2", "p-3"):
        await _register(world, who)
    await _register(world, "p-4", "over")
    await mh.cancel_registration(CancelRegistration("m1", "p-3"), **world.ports)  # type: ignore[arg-type]
    await mh.cancel_meeting(CancelMeeting("m1", "c1"), **world.ports)  # type: ignore[arg-type]
    await world.project()
    outbox = Outbox()
    ports = {**world.ports, "store": world.store, "mail": outbox,
             "public_url": "https://parlons.test"}
    assert await send_cancellation_notices(**ports) == 2  # type: ignore[arg-type]
    assert await send_cancellation_notices(**ports) == 0  # type: ignore[arg-type]
    assert [who for who, _, _ in outbox.sent] == ["p-1", "p-2"]  # p-3 had left
    subject, seated, waiting = outbox.sent[0][1], outbox.sent[0][2], outbox.sent[1][2]
    assert subject == "Parlons : la rencontre « Réunion publique » est annulée"
    assert "2 décembre 2026 à 10 h 00 (heure de Paris) est annulée" in seated
    assert "étiez inscrit·e" in seated and "étiez en liste d'attente" in waiting
    assert "https://parlons.test/evenements/m1" in seated
    await world.project()
    assert await world.store.list("meeting_cancellations_pending", "all") == []
    # a meeting cancelled once it is over: claimed, nobody written to
    world.clock.advance(5 * H)
    await mh.cancel_meeting(CancelMeeting("over", "c1"), **world.ports)  # type: ignore[arg-type]
    await world.project()
    assert await send_cancellation_notices(**ports) == 0  # type: ignore[arg-type]
    await world.project()
    assert await world.store.list("meeting_cancellations_pending", "all") == []


@pytest.mark.parametrize("reverse", [False, True])
async def test_a_cancellation_leaves_the_pending_list_whatever_order_its_events_arrive_in(
        world: World, reverse: bool) -> None:
    from services.consultation.projections_meetings import MeetingProjection
    from services.store.memory import MemoryReadStore
    from services.store.projection import project_batch

    await _consultation(world)
    await _meeting(world)
    await _register(world, "p-1")
    await mh.cancel_meeting(CancelMeeting("m1", "c1"), **world.ports)  # type: ignore[arg-type]
    await world.project()
    ports = {**world.ports, "store": world.store, "mail": Outbox()}
    assert await send_cancellation_notices(**ports) == 1  # type: ignore[arg-type]
    kept = [e for e in await world.events()
            if e.type.endswith(("MeetingCancelled", "MeetingCancellationNotified"))]
    store = MemoryReadStore()
    await project_batch(MeetingProjection(), kept[::-1] if reverse else kept, store)
    assert await store.list("meeting_cancellations_pending", "all") == []
