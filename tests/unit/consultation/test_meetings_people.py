"""Who may take a meeting's seat (ADR 0139): registering only while the consultation's
open phase offers « s'inscrire à une rencontre », cancelling always."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from consultation.consultation_world import NOW, World
from services.consultation import handlers as h
from services.consultation import meeting_handlers as mh
from services.consultation.commands import (
    CreateConsultation,
    PhaseSpec,
    PublishConsultation,
    SchedulePhases,
)
from services.consultation.content_commands import (
    CancelRegistration,
    RegisterForMeeting,
    ScheduleMeeting,
)
from services.consultation.meetings import Meeting, decide_register
from services.core.errors import DomainError

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
