"""Commissions renamed, redescribed and removed (ADR 0140): decided on the
commission's stream, refused for a commission of another consultation than the
command's; the read models follow (its page, the consultation's list, the
meetings linked to it, which stay, unlinked)."""

from __future__ import annotations

from dataclasses import asdict, replace
from datetime import timedelta

import pytest

from consultation.consultation_world import NOW, World
from services.consultation import commission_handlers as kh
from services.consultation import handlers as h
from services.consultation import meeting_handlers as mh
from services.consultation.commands import CreateConsultation
from services.consultation.content_commands import (
    AddCommissionMember,
    CreateCommission,
    EditCommission,
    PublishCommissionReport,
    RemoveCommission,
    RemoveCommissionMember,
    ScheduleMeeting,
    UpdateMeeting,
)
from services.consultation.projections_meetings import MeetingProjection
from services.core.errors import DomainError
from services.store.memory import MemoryReadStore
from services.store.projection import project_batch

H = timedelta(hours=1)
MEETING = ScheduleMeeting("m1", "c1", "Atelier de la commission", NOW + 24 * H, NOW + 26 * H,
                          address="1 place de la Comédie", postcode="69001",
                          commission_id="k1")


async def _commission(world: World) -> None:
    """c1 and c2; c1's commission k1 with a member and a report."""
    await h.create_consultation(CreateConsultation("c1", "Plan vélo", "velo"), **world.ports)  # type: ignore[arg-type]
    await h.create_consultation(CreateConsultation("c2", "Autre", "autre"), **world.ports)  # type: ignore[arg-type]
    await kh.create_commission(CreateCommission("k1", "c1", "Commission mobilités",
                                                "Groupe de travail."), **world.ports)  # type: ignore[arg-type]
    await kh.add_commission_member(AddCommissionMember("k1", "c1", "m-1", "Claire Martin",
                                                       "Présidente"), **world.ports)  # type: ignore[arg-type]
    await kh.publish_commission_report(PublishCommissionReport(
        "k1", "c1", "r1", "Rapport d'étape", "Douze auditions."), **world.ports)  # type: ignore[arg-type]
    await world.project()


async def test_a_commission_is_renamed_and_redescribed(world: World) -> None:
    await _commission(world)
    await kh.edit_commission(EditCommission("k1", "c1", "  Commission vélo ",
                                            "Élus et associations."), **world.ports)  # type: ignore[arg-type]
    await world.project()
    doc = await world.store.get("commissions", "c1", "k1")
    assert doc is not None
    assert (doc["name"], doc["description"]) == ("Commission vélo", "Élus et associations.")
    # members and reports are kept
    assert [m["display_name"] for m in doc["members"]] == ["Claire Martin"]
    assert [r["title"] for r in doc["reports"]] == ["Rapport d'étape"]
    detail = await world.store.get("consultation_detail", "all", "c1")
    assert detail is not None and detail["commissions"] == [
        {"commission_id": "k1", "name": "Commission vélo"}]
    edited = [e for e in await world.events() if e.type == "consultation.CommissionEdited"]
    assert [e.data for e in edited] == [{
        "commission_id": "k1", "consultation_id": "c1", "name": "Commission vélo",
        "description": "Élus et associations."}]


async def test_the_same_edit_sent_again_writes_nothing(world: World) -> None:
    await _commission(world)
    edit = EditCommission("k1", "c1", "Commission vélo", "")
    await kh.edit_commission(edit, **world.ports)  # type: ignore[arg-type]
    before = len(await world.events())
    await kh.edit_commission(edit, **world.ports)  # type: ignore[arg-type]
    unchanged = EditCommission("k1", "c1", "Commission mobilités", "Groupe de travail.")
    await kh.edit_commission(replace(unchanged, name="Commission vélo", description=""),
                             **world.ports)  # type: ignore[arg-type]
    assert len(await world.events()) == before


@pytest.mark.parametrize(("name", "message"), [
    ("", "Le nom est obligatoire."),
    ("   ", "Le nom est obligatoire."),
    ("Ab", "Le nom doit compter au moins 3 caractères."),
    ("x" * 201, "Le nom ne peut dépasser 200 caractères (201 saisis)."),
])
async def test_a_bad_name_is_refused_in_french(world: World, name: str, message: str) -> None:
    await _commission(world)
    before = len(await world.events())
    with pytest.raises(DomainError) as refused:
        await kh.edit_commission(EditCommission("k1", "c1", name, ""), **world.ports)  # type: ignore[arg-type]
    assert (refused.value.field, refused.value.message) == ("name", message)
    assert len(await world.events()) == before


async def test_a_commission_of_another_consultation_is_neither_edited_nor_removed(
        world: World) -> None:
    """The organiser's role is checked on the command's consultation: a
    commission of another one is refused by the handler, whatever the caller."""
    await _commission(world)
    before = len(await world.events())
    for handler, command in (
            (kh.edit_commission, EditCommission("k1", "c2", "Prise de contrôle", "")),
            (kh.remove_commission, RemoveCommission("k1", "c2"))):
        with pytest.raises(DomainError) as refused:
            await handler(command, **world.ports)  # type: ignore[operator]
        assert refused.value.code == "wrong_consultation"
    assert len(await world.events()) == before


async def test_an_unknown_commission_is_not_found(world: World) -> None:
    await _commission(world)
    with pytest.raises(DomainError) as refused:
        await kh.edit_commission(EditCommission("nope", "c1", "Commission", ""), **world.ports)  # type: ignore[arg-type]
    assert refused.value.code == "not_found"
    with pytest.raises(DomainError) as refused:
        await kh.remove_commission(RemoveCommission("nope", "c1"), **world.ports)  # type: ignore[arg-type]
    assert refused.value.code == "not_found"


async def test_a_removed_commission_leaves_every_read_model(world: World) -> None:
    await _commission(world)
    await kh.create_commission(CreateCommission("k2", "c1", "Commission parcs"), **world.ports)  # type: ignore[arg-type]
    await kh.remove_commission(RemoveCommission("k1", "c1"), **world.ports)  # type: ignore[arg-type]
    await world.project()
    assert await world.store.get("commissions", "c1", "k1") is None
    assert [k for k, _ in await world.store.list("commissions", "c1")] == ["k2"]
    detail = await world.store.get("consultation_detail", "all", "c1")
    assert detail is not None and detail["commissions"] == [
        {"commission_id": "k2", "name": "Commission parcs"}]
    removed = [e for e in await world.events() if e.type == "consultation.CommissionRemoved"]
    assert [e.data for e in removed] == [{"commission_id": "k1", "consultation_id": "c1"}]


async def test_a_removed_commission_takes_nothing_more(world: World) -> None:
    await _commission(world)
    await kh.remove_commission(RemoveCommission("k1", "c1"), **world.ports)  # type: ignore[arg-type]
    before = len(await world.events())
    # removed again (a retry): nothing to do
    await kh.remove_commission(RemoveCommission("k1", "c1"), **world.ports)  # type: ignore[arg-type]
    for handler, command in (
            (kh.edit_commission, EditCommission("k1", "c1", "Commission vélo", "")),
            (kh.add_commission_member, AddCommissionMember("k1", "c1", "m-2", "Karim", "Membre")),
            (kh.remove_commission_member, RemoveCommissionMember("k1", "c1", "m-1")),
            (kh.publish_commission_report, PublishCommissionReport("k1", "c1", "r2", "Rapport",
                                                                   "Texte.")),
            # its id taken again by a creation under another name
            (kh.create_commission, CreateCommission("k1", "c1", "Une autre commission"))):
        with pytest.raises(DomainError):
            await handler(command, **world.ports)  # type: ignore[operator]
    assert len(await world.events()) == before


async def test_its_meetings_stay_unlinked(world: World) -> None:
    """A meeting people registered for outlives the commission it belonged to: it
    keeps its page and its seats, and no longer names the commission."""
    await _commission(world)
    await mh.schedule_meeting(MEETING, **world.ports)  # type: ignore[arg-type]
    await world.project()
    assert len(await world.store.list("meetings_by_commission", "k1")) == 1
    await kh.remove_commission(RemoveCommission("k1", "c1"), **world.ports)  # type: ignore[arg-type]
    await world.project()
    meeting = await world.store.get("meetings", "all", "m1")
    assert meeting is not None and meeting["commission_id"] is None
    [(_, listed)] = await world.store.list("meetings_by_consultation", "c1")
    assert listed["commission_id"] is None and listed["title"] == MEETING.title
    assert await world.store.list("meetings_by_commission", "k1") == []


async def test_a_meeting_projected_after_its_commission_s_removal_is_unlinked(
        world: World) -> None:
    """On Kafka the meeting's stream and the commission's are on different
    partitions: the removal may be projected before the meeting that named it."""
    await _commission(world)
    await mh.schedule_meeting(MEETING, **world.ports)  # type: ignore[arg-type]
    await kh.remove_commission(RemoveCommission("k1", "c1"), **world.ports)  # type: ignore[arg-type]
    events = await world.events()
    removal = [e for e in events if e.type == "consultation.CommissionRemoved"]
    store = MemoryReadStore()
    await project_batch(MeetingProjection(), removal + [e for e in events if e not in removal],
                        store)
    meeting = await store.get("meetings", "all", "m1")
    assert meeting is not None and meeting["commission_id"] is None
    assert await store.list("meetings_by_commission", "k1") == []


async def test_a_removed_commission_takes_no_new_meeting_and_an_edit_drops_the_link(
        world: World) -> None:
    await _commission(world)
    await mh.schedule_meeting(MEETING, **world.ports)  # type: ignore[arg-type]
    await kh.remove_commission(RemoveCommission("k1", "c1"), **world.ports)  # type: ignore[arg-type]
    with pytest.raises(DomainError) as refused:
        await mh.schedule_meeting(replace(MEETING, meeting_id="m2"), **world.ports)  # type: ignore[arg-type]
    assert (refused.value.code, refused.value.field) == ("not_found", "commission_id")
    # an edit sent by a page that still named the commission: the meeting is kept,
    # without the link
    await mh.schedule_meeting(UpdateMeeting(**{**asdict(MEETING), "title": "Atelier"}),
                              **world.ports)  # type: ignore[arg-type]
    updated = [e for e in await world.events() if e.type == "consultation.MeetingUpdated"]
    assert [e.data["commission_id"] for e in updated] == [None]


async def test_a_meeting_names_only_a_commission_of_its_consultation(world: World) -> None:
    await _commission(world)
    with pytest.raises(DomainError) as refused:
        await mh.schedule_meeting(replace(MEETING, consultation_id="c2"), **world.ports)  # type: ignore[arg-type]
    assert refused.value.field == "commission_id"
