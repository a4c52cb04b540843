"""Meetings (postcode, coordinates, capacity, registrations), minutes, ICS, commissions."""

from __future__ import annotations

import asyncio
from dataclasses import asdict, replace
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from consultation.consultation_world import NOW, Outbox, World
from services.consultation import commission_handlers as kh
from services.consultation import handlers as h
from services.consultation import meeting_handlers as mh
from services.consultation.commands import (
    CreateConsultation,
    PhaseSpec,
    PublishConsultation,
    SchedulePhases,
    UnpublishConsultation,
)
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
from services.consultation.ics import escape_text, fold, meetings_ics
from services.consultation.meeting_notices import send_promotion_notices
from services.consultation.meetings import Meeting, decide_unregister
from services.consultation.projections_meetings import MeetingProjection
from services.core.errors import DomainError, NotFound
from services.store.memory import MemoryReadStore
from services.store.projection import project_batch

H = timedelta(hours=1)
PARIS = ZoneInfo("Europe/Paris")
LYON = ScheduleMeeting("m1", "c1", "Réunion publique", NOW + 24 * H, NOW + 26 * H,
                       description="Venez, débattons ; vraiment, ici.",
                       address="1 place de la Comédie", postcode="69001",
                       latitude=45.7676, longitude=4.8344, capacity=2)


async def _setup(world: World, *, published: bool = True,
                 actions: tuple[str, ...] = ("debate", "register_meeting")) -> None:
    """c1, its one phase open from a day ago for ten days offering `actions`."""
    await h.create_consultation(CreateConsultation("c1", "Plan vélo", "velo"), **world.ports)  # type: ignore[arg-type]
    await _phases(world, actions)
    if published:  # registrations are the public's: a published consultation's meetings
        await h.publish_consultation(PublishConsultation("c1"), **world.ports)  # type: ignore[arg-type]


async def _phases(world: World, actions: tuple[str, ...], *,
                  start: datetime = NOW - 24 * H) -> None:
    await h.schedule_phases(SchedulePhases("c1", (PhaseSpec(
        "debat", "debate", "Débat", start, start + 240 * H, actions=actions),)), **world.ports)  # type: ignore[arg-type]


async def test_nobody_registers_for_a_meeting_of_a_consultation_not_published(
        world: World) -> None:
    """A draft's meeting page answers 404; a registration sent without the page
    (the API, an old form) is refused as well, and after an unpublication too."""
    await _setup(world, published=False)
    await _meeting(world)
    with pytest.raises(NotFound):
        await mh.register_for_meeting(RegisterForMeeting("m1", "p-anne"), **world.ports)  # type: ignore[arg-type]
    await h.publish_consultation(PublishConsultation("c1"), **world.ports)  # type: ignore[arg-type]
    seat = await mh.register_for_meeting(RegisterForMeeting("m1", "p-anne"), **world.ports)  # type: ignore[arg-type]
    assert seat == "registered"
    await h.unpublish_consultation(UnpublishConsultation("c1"), **world.ports)  # type: ignore[arg-type]
    with pytest.raises(NotFound):
        await mh.register_for_meeting(RegisterForMeeting("m1", "p-bruno"), **world.ports)  # type: ignore[arg-type]
    # one registered before may still give up their seat
    assert await mh.cancel_registration(CancelRegistration("m1", "p-anne"), **world.ports)  # type: ignore[arg-type]


async def _meeting(world: World, cmd: ScheduleMeeting = LYON) -> dict[str, object]:
    await mh.schedule_meeting(cmd, **world.ports)  # type: ignore[arg-type]
    await world.project()
    doc = await world.store.get("meetings", "all", cmd.meeting_id)
    assert doc is not None
    return doc


async def test_a_meeting_gets_its_commune_and_departement_and_is_listed(world: World) -> None:
    await _setup(world)
    doc = await _meeting(world)
    assert (doc["commune"], doc["departement"], doc["registrations"]) == (
        "Lyon 1er Arrondissement", "69", 0)
    [(key, _)] = await world.store.list("meetings_by_departement", "69")
    assert key == "2026-12-02T09:00:00Z|m1"
    assert len(await world.store.list("meetings_by_consultation", "c1")) == 1


async def test_rescheduling_moves_the_meeting_in_the_lists(world: World) -> None:
    await _setup(world)
    await _meeting(world)
    await _meeting(world, UpdateMeeting(**{
        **asdict(LYON), "postcode": "13001", "address": "Quai du Port", "latitude": 43.2965,
        "longitude": 5.3698}))
    assert await world.store.list("meetings_by_departement", "69") == []
    [(_, doc)] = await world.store.list("meetings_by_departement", "13")
    assert doc["commune"] == "Marseille 1er Arrondissement"
    assert len(await world.store.list("meetings_by_consultation", "c1")) == 1


@pytest.mark.parametrize(("changes", "code", "field"), [
    ({"postcode": "99999"}, "unknown_postcode", "postcode"),
    ({"postcode": "6900"}, "invalid_postcode", "postcode"),
    ({"ends_at": NOW + 23 * H}, "ends_before_start", "ends_at"),
    ({"title": "x" * 201}, "too_long", "title"),
    ({"latitude": 48.85, "longitude": -40.0}, "out_of_bounds", "latitude"),
    ({"latitude": -21.1, "longitude": 55.5}, "out_of_bounds", "latitude"),  # Réunion, not Lyon
    ({"latitude": None}, "partial_coordinates", "latitude"),
    ({"capacity": 0}, "invalid_capacity", "capacity"),
    ({"postcode": "", "address": ""}, "no_place", "postcode"),
    ({"address": ""}, "required", "address"),
    ({"online_url": "javascript:alert(1)"}, "invalid_url", "online_url"),
    ({"consultation_id": "nope"}, "consultation_not_found", "consultation_id"),
    # before the first instant UTC holds once shifted from Paris (OverflowError)
    ({"starts_at": datetime(1, 1, 1, tzinfo=PARIS), "ends_at": datetime(1, 1, 1, 2, tzinfo=PARIS)},
     "date_out_of_range", "starts_at"),
    # after the last one, from a zone west of UTC (an API client's offset)
    ({"ends_at": datetime(9999, 12, 31, 20, tzinfo=timezone(timedelta(hours=-5)))},
     "date_out_of_range", "ends_at"),
    ({"ends_at": datetime(9999, 12, 31, 23, 59, tzinfo=PARIS)}, "date_out_of_range", "ends_at"),
])
async def test_bad_meetings_are_refused_in_french_and_save_nothing(
        world: World, changes: dict[str, object], code: str, field: str) -> None:
    await _setup(world)
    before = len(await world.events())
    with pytest.raises(DomainError) as err:
        await mh.schedule_meeting(replace(LYON, **changes), **world.ports)  # type: ignore[arg-type]
    assert (err.value.code, err.value.field) == (code, field)
    assert len(await world.events()) == before


async def test_an_online_meeting_needs_no_address(world: World) -> None:
    await _setup(world)
    doc = await _meeting(world, replace(LYON, postcode="", address="", latitude=None,
                                        longitude=None,
                                        online_url="https://visio.example.fr/salle"))
    assert doc["departement"] == "" and doc["online_url"].startswith("https://")


async def test_registrations_count_once_fill_the_seats_then_the_waiting_list(
        world: World) -> None:
    await _setup(world)
    await _meeting(world)  # two seats
    register = mh.register_for_meeting
    assert await register(RegisterForMeeting("m1", "p-1"), **world.ports) == "registered"  # type: ignore[arg-type]
    assert await register(RegisterForMeeting("m1", "p-1"), **world.ports) == "registered"  # type: ignore[arg-type]
    assert await register(RegisterForMeeting("m1", "p-2"), **world.ports) == "registered"  # type: ignore[arg-type]
    # full: decided on the meeting's stream, without waiting for the read model
    assert await register(RegisterForMeeting("m1", "p-3"), **world.ports) == "waiting"  # type: ignore[arg-type]
    assert await register(RegisterForMeeting("m1", "p-4"), **world.ports) == "waiting"  # type: ignore[arg-type]
    assert await mh.cancel_registration(CancelRegistration("m1", "p-1"), **world.ports)  # type: ignore[arg-type]
    assert not await mh.cancel_registration(CancelRegistration("m1", "p-1"), **world.ports)  # type: ignore[arg-type]
    state = await mh.load_meeting(world.log, "m1")
    assert (state.seated, state.waiting) == (("p-2", "p-3"), ("p-4",))  # p-3 promoted
    await world.project()
    doc = await world.store.get("meetings", "all", "m1")
    assert doc is not None and (doc["registrations"], doc["waiting"]) == (2, 1)
    [(_, pending)] = await world.store.list("meeting_promotions_pending", "all")
    assert pending["participant_id"] == "p-3"
    with pytest.raises(DomainError) as err:
        await register(RegisterForMeeting("m1", "jean@example.org"), **world.ports)  # type: ignore[arg-type]
    assert err.value.field == "participant_id"
    # no personal data in events: only the opaque participant id
    for e in await world.events():
        if e.type.endswith(("RegistrationAdded", "WaitlistJoined", "WaitlistPromoted")):
            assert set(e.data) == {"meeting_id", "consultation_id", "participant_id"}


async def test_more_seats_go_to_the_first_ones_waiting(world: World) -> None:
    await _setup(world)
    await _meeting(world)  # two seats
    for i in range(5):
        await mh.register_for_meeting(RegisterForMeeting("m1", f"p-{i}"), **world.ports)  # type: ignore[arg-type]
    await mh.schedule_meeting(replace(UpdateMeeting(**asdict(LYON)), capacity=4), **world.ports)  # type: ignore[arg-type]
    state = await mh.load_meeting(world.log, "m1")
    assert (state.seated, state.waiting) == (("p-0", "p-1", "p-2", "p-3"), ("p-4",))
    await world.project()
    doc = await world.store.get("meetings", "all", "m1")
    assert doc is not None and (doc["registrations"], doc["waiting"], doc["capacity"]) == (4, 1, 4)


async def test_fewer_seats_than_people_seated_is_refused(world: World) -> None:
    await _setup(world)
    await _meeting(world)  # two seats
    for i in range(3):
        await mh.register_for_meeting(RegisterForMeeting("m1", f"p-{i}"), **world.ports)  # type: ignore[arg-type]
    before = len(await world.events())
    with pytest.raises(DomainError) as err:
        await mh.schedule_meeting(replace(UpdateMeeting(**asdict(LYON)), capacity=1), **world.ports)  # type: ignore[arg-type]
    assert (err.value.code, err.value.field) == ("capacity_below_registrations", "capacity")
    assert len(await world.events()) == before


def test_a_seat_given_up_beyond_the_capacity_promotes_no_one() -> None:
    """A meeting seated beyond its capacity (lowered when that was still accepted):
    a cancellation promoted the first one waiting whatever the seats taken."""
    over = Meeting(version=9, meeting_id="m1", consultation_id="c1",
                   ends_at="2999-01-01T00:00:00Z", capacity=1, seated=("p-1", "p-2", "p-3"),
                   waiting=("p-4",))
    events = decide_unregister(over, "p-1", NOW)
    assert [type(e).__name__ for e in events] == ["MeetingRegistrationCancelled"]
    events = decide_unregister(replace(over, seated=("p-1", "p-2")), "p-1", NOW)
    assert [type(e).__name__ for e in events] == ["MeetingRegistrationCancelled"]
    events = decide_unregister(replace(over, seated=("p-1",)), "p-1", NOW)
    assert [type(e).__name__ for e in events] == ["MeetingRegistrationCancelled",
                                                   "MeetingWaitlistPromoted"]


async def test_concurrent_registrations_never_exceed_the_capacity(world: World) -> None:
    await _setup(world)
    await _meeting(world)  # two seats
    outcomes = await asyncio.gather(*(
        mh.register_for_meeting(RegisterForMeeting("m1", f"p-{i}"), **world.ports)  # type: ignore[arg-type]
        for i in range(8)))
    assert sorted(outcomes) == ["registered"] * 2 + ["waiting"] * 6
    state = await mh.load_meeting(world.log, "m1")
    assert len(state.seated) == 2 and len(state.waiting) == 6


async def test_registrations_that_lose_the_race_decide_again_on_what_won(world: World) -> None:
    """Every registration reads the meeting before any appends (the log's reads
    yield here, as SQLite's and Kafka's do): one wins each version, the others
    fold the meeting again and decide on it."""
    await _setup(world)
    await _meeting(world)  # two seats
    log = world.log
    read_stream = log.read_stream

    async def yielding(stream: str):  # type: ignore[no-untyped-def]
        found = await read_stream(stream)
        await asyncio.sleep(0)
        return found
    log.read_stream = yielding  # type: ignore[method-assign]
    outcomes = await asyncio.gather(*(
        mh.register_for_meeting(RegisterForMeeting("m1", f"p-{i}"), **world.ports)  # type: ignore[arg-type]
        for i in range(5)))
    assert sorted(outcomes) == ["registered"] * 2 + ["waiting"] * 3
    state = await mh.load_meeting(log, "m1")
    assert len(state.seated) == 2 and len(state.waiting) == 3


async def test_minutes_only_after_the_meeting(world: World) -> None:
    await _setup(world)
    await _meeting(world)
    minutes = PublishMinutes("m1", "c1", "Une soirée riche.", 42, ("contrib-1", "contrib-2"))
    with pytest.raises(DomainError) as err:
        await mh.publish_minutes(minutes, **world.ports)  # type: ignore[arg-type]
    assert err.value.code == "meeting_not_over"
    world.clock.advance(27 * H)
    await mh.publish_minutes(minutes, **world.ports)  # type: ignore[arg-type]
    await world.project()
    doc = await world.store.get("meetings", "all", "m1")
    assert doc is not None and doc["minutes"]["attendance"] == 42
    stored = await world.store.get("minutes", "c1", "m1")
    assert stored is not None and stored["contribution_ids"] == ["contrib-1", "contrib-2"]
    with pytest.raises(DomainError) as err:
        await mh.publish_minutes(replace(minutes, attendance=-1), **world.ports)  # type: ignore[arg-type]
    assert err.value.field == "attendance"


async def test_a_cancelled_meeting_is_marked_and_closed_to_registration(world: World) -> None:
    await _setup(world)
    await _meeting(world)
    await mh.cancel_meeting(CancelMeeting("m1", "c1"), **world.ports)  # type: ignore[arg-type]
    await world.project()
    doc = await world.store.get("meetings", "all", "m1")
    assert doc is not None and doc["cancelled"]
    detail = await world.store.get("consultation_detail", "all", "c1")
    assert detail is not None and detail["counts"]["meetings"] == 0
    with pytest.raises(DomainError):
        await mh.register_for_meeting(RegisterForMeeting("m1", "p-1"), **world.ports)  # type: ignore[arg-type]


def test_ics_is_rfc5545_crlf_escaped_and_folded() -> None:
    meeting = {"meeting_id": "m1", "title": "Débat, climat; «énergie»",
               "description": "Ligne 1\nLigne 2 \\ fin", "starts_at": "2026-12-02T18:00:00Z",
               "ends_at": "2026-12-02T20:00:00Z", "address": "1 place de la Comédie",
               "postcode": "69001", "commune": "Lyon", "latitude": 45.7676,
               "longitude": 4.8344, "online_url": "", "cancelled": False}
    ics = meetings_ics([meeting], stamp=NOW, base_url="https://parlons.example")
    assert ics.startswith("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n")
    assert ics.endswith("END:VCALENDAR\r\n")
    assert "\n" not in ics.replace("\r\n", "")  # every line ends with CRLF
    assert "SUMMARY:Débat\\, climat\\; «énergie»\r\n" in ics
    assert "DESCRIPTION:Ligne 1\\nLigne 2 \\\\ fin\r\n" in ics
    # 18:00 UTC in December is 19:00 in Paris (winter time)
    assert "DTSTART;TZID=Europe/Paris:20261202T190000\r\n" in ics
    assert "GEO:45.767600;4.834400" in ics
    assert "LOCATION:1 place de la Comédie\\, 69001 Lyon" in ics
    assert "URL:https://parlons.example/evenements/m1\r\n" in ics
    assert escape_text("a,b;c\\d\ne") == "a\\,b\\;c\\\\d\\ne"


def test_long_lines_fold_at_75_octets_without_splitting_characters() -> None:
    folded = fold("DESCRIPTION:" + "é" * 100)
    lines = folded.split("\r\n")
    assert all(len(line.encode()) <= 75 for line in lines)
    assert all(line.startswith(" ") for line in lines[1:])
    assert "".join(line[1:] if i else line for i, line in enumerate(lines)) == (
        "DESCRIPTION:" + "é" * 100)


async def test_commissions_members_reports_and_meetings(world: World) -> None:
    await _setup(world)
    await kh.create_commission(CreateCommission("k1", "c1", "Commission mobilités"), **world.ports)  # type: ignore[arg-type]
    await kh.add_commission_member(AddCommissionMember("k1", "c1", "m-1", "Claire Martin",
                                                       "Présidente"), **world.ports)  # type: ignore[arg-type]
    await kh.add_commission_member(AddCommissionMember("k1", "c1", "m-2", "Karim Benali",
                                                       "Rapporteur"), **world.ports)  # type: ignore[arg-type]
    with pytest.raises(DomainError):
        await kh.add_commission_member(AddCommissionMember("k1", "c1", "m-2", "Karim", "x"),
                                       **world.ports)  # type: ignore[arg-type]
    await kh.remove_commission_member(RemoveCommissionMember("k1", "c1", "m-2"), **world.ports)  # type: ignore[arg-type]
    await kh.publish_commission_report(PublishCommissionReport(
        "k1", "c1", "r1", "Rapport d'étape",
        "Nous avons **auditionné** 12 acteurs.<script>x</script>"),
        **world.ports)  # type: ignore[arg-type]
    await _meeting(world, replace(LYON, commission_id="k1"))
    doc = await world.store.get("commissions", "c1", "k1")
    assert doc is not None
    assert [m["display_name"] for m in doc["members"]] == ["Claire Martin"]
    assert "<strong>auditionné</strong>" in doc["reports"][0]["body_html"]
    assert "<script" not in doc["reports"][0]["body_html"]
    assert len(await world.store.list("meetings_by_commission", "k1")) == 1
    detail = await world.store.get("consultation_detail", "all", "c1")
    assert detail is not None and detail["commissions"] == [
        {"commission_id": "k1", "name": "Commission mobilités"}]


async def test_a_meeting_of_an_unknown_commission_is_refused(world: World) -> None:
    await _setup(world)
    with pytest.raises(DomainError) as err:
        await mh.schedule_meeting(replace(LYON, commission_id="nope"), **world.ports)  # type: ignore[arg-type]
    assert err.value.field == "commission_id"


@pytest.mark.parametrize("reverse", [False, True])
async def test_a_promotion_is_told_once_whatever_order_its_events_arrive_in(
        world: World, reverse: bool) -> None:
    await _setup(world)
    await _meeting(world)  # two seats
    for who in ("p-1", "p-2", "p-3"):
        await mh.register_for_meeting(RegisterForMeeting("m1", who), **world.ports)  # type: ignore[arg-type]
    await mh.cancel_registration(CancelRegistration("m1", "p-1"), **world.ports)  # type: ignore[arg-type]
    await world.project()
    outbox = Outbox()
    ports = {**world.ports, "store": world.store, "mail": outbox}
    assert await send_promotion_notices(**ports) == 1  # type: ignore[arg-type]
    assert await send_promotion_notices(**ports) == 0  # type: ignore[arg-type]
    assert [(who, "« Réunion publique »" in subject) for who, subject, _ in outbox.sent] == [
        ("p-3", True)]
    # a Kafka topic may deliver the promotion (meeting stream) and its notice (its own
    # stream) in either order: the pending promotion is gone either way
    kept = [e for e in await world.events()
            if e.type.endswith(("WaitlistPromoted", "PromotionNotified"))]
    store = MemoryReadStore()
    await project_batch(MeetingProjection(), kept[::-1] if reverse else kept, store)
    assert await store.list("meeting_promotions_pending", "all") == []
