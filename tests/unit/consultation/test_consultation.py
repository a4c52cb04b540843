"""The consultation aggregate through its handlers, with memory fakes."""

from __future__ import annotations

from datetime import timedelta

import pytest

from consultation.consultation_world import NOW, World
from services.consultation import handlers as h
from services.consultation.commands import (
    CreateConsultation,
    PhaseSpec,
    PublishConsultation,
    SchedulePhases,
    ThemeSpec,
    UnpublishConsultation,
    UpdateConsultation,
)
from services.consultation.phases import (
    consultation_status,
    current_phase,
    open_actions,
    phase_status,
)
from services.core.errors import DomainError

DAY = timedelta(days=1)


def _create(cid: str = "c1", slug: str = "climat", **kw: object) -> CreateConsultation:
    return CreateConsultation(cid, kw.pop("title", "Plan climat"), slug, **kw)  # type: ignore[arg-type]


def _phases(*spans: tuple[int, int], kinds: tuple[str, ...] = ()) -> tuple[PhaseSpec, ...]:
    kinds = kinds or ("information",) * len(spans)
    return tuple(PhaseSpec(f"p{i}", kinds[i], f"Phase {i}", NOW + a * DAY, NOW + b * DAY)
                 for i, (a, b) in enumerate(spans))


async def _stored(world: World) -> int:
    return len(await world.events())


async def test_create_then_read_the_catalogue(world: World) -> None:
    await h.create_consultation(_create(
        summary="Vos idées", organiser="Métropole de Lyon", identity_level="email",
        moderation="pre", themes=(ThemeSpec("mob", "Mobilité"),), territories=("69", "R84")),
        **world.ports)  # type: ignore[arg-type]
    await world.project()
    doc = await world.store.get("consultations", "all", "c1")
    assert doc is not None
    assert (doc["title"], doc["organiser"], doc["identity_level"], doc["moderation"]) == (
        "Plan climat", "Métropole de Lyon", "email", "pre")
    assert doc["themes"] == [{"theme_id": "mob", "title": "Mobilité"}]
    assert doc["published"] is False
    assert await world.store.get("consultation_slugs", "all", "climat") == {"id": "c1"}
    assert await world.store.get("published_consultations", "all", "c1") is None


async def test_a_taken_slug_is_refused_by_the_log_key_and_nothing_is_stored(world: World) -> None:
    await h.create_consultation(_create("c1"), **world.ports)  # type: ignore[arg-type]
    before = await _stored(world)
    with pytest.raises(DomainError) as err:
        await h.create_consultation(_create("c2"), **world.ports)  # type: ignore[arg-type]
    assert (err.value.code, err.value.field) == ("slug_taken", "slug")
    assert await _stored(world) == before


@pytest.mark.parametrize(("kw", "field"), [
    ({"title": "x" * 201}, "title"),
    ({"title": "ab"}, "title"),
    ({"summary": "x" * 2001}, "summary"),
    ({"identity_level": "facebook"}, "identity_level"),
    ({"moderation": "never"}, "moderation"),
    ({"territories": ("99",)}, "territories.0"),
    ({"themes": (ThemeSpec("a", "A"), ThemeSpec("a", "B"))}, "themes"),
])
async def test_bad_input_is_refused_in_french_and_saves_nothing(
        world: World, kw: dict[str, object], field: str) -> None:
    with pytest.raises(DomainError) as err:
        await h.create_consultation(_create(**kw), **world.ports)  # type: ignore[arg-type]
    assert err.value.field == field
    assert err.value.message and err.value.message[0].isupper()
    assert await _stored(world) == 0


async def test_a_script_in_a_title_is_kept_as_text(world: World) -> None:
    title = "<script>alert(1)</script> Plan"
    await h.create_consultation(_create(title=title), **world.ports)  # type: ignore[arg-type]
    await world.project()
    doc = await world.store.get("consultations", "all", "c1")
    assert doc is not None and doc["title"] == title  # escaping is the template's job


async def test_phases_are_scheduled_and_their_status_follows_the_clock(world: World) -> None:
    await h.create_consultation(_create(), **world.ports)  # type: ignore[arg-type]
    await h.schedule_phases(SchedulePhases("c1", _phases(
        (-10, -1), (-1, 5), (6, 9), kinds=("information", "deposit", "vote"))),
        **world.ports)  # type: ignore[arg-type]
    await world.project()
    doc = await world.store.get("consultation_detail", "all", "c1")
    assert doc is not None
    phases = doc["phases"]
    assert [phase_status(p, NOW) for p in phases] == ["closed", "open", "upcoming"]
    assert current_phase(phases, NOW)["phase_id"] == "p1"  # type: ignore[index]
    assert open_actions(phases, NOW) == ("deposit", "comment")
    assert open_actions(phases, NOW + 5 * DAY + timedelta(hours=1)) == ()  # between phases
    assert consultation_status(phases, NOW + 10 * DAY) == "closed"
    assert doc["opens_at"] == "2026-11-21T09:00:00Z"
    assert doc["closes_at"] == "2026-12-10T09:00:00Z"


@pytest.mark.parametrize(("spans", "code", "field"), [
    (((2, 1),), "phase_ends_before_start", "phases.0.ends_at"),
    (((1, 1),), "phase_ends_before_start", "phases.0.ends_at"),
    (((0, 5), (4, 8)), "phases_overlap", "phases.1.starts_at"),
    (((5, 8), (0, 2)), "phases_overlap", "phases.1.starts_at"),
])
async def test_bad_phase_schedules_are_refused_and_save_nothing(
        world: World, spans: tuple[tuple[int, int], ...], code: str, field: str) -> None:
    await h.create_consultation(_create(), **world.ports)  # type: ignore[arg-type]
    before = await _stored(world)
    with pytest.raises(DomainError) as err:
        await h.schedule_phases(SchedulePhases("c1", _phases(*spans)), **world.ports)  # type: ignore[arg-type]
    assert (err.value.code, err.value.field) == (code, field)
    assert "phase" in err.value.message
    assert await _stored(world) == before


async def test_phase_title_too_long_and_unknown_kind_or_action(world: World) -> None:
    await h.create_consultation(_create(), **world.ports)  # type: ignore[arg-type]
    bad = [
        PhaseSpec("p", "information", "x" * 121, NOW, NOW + DAY),
        PhaseSpec("p", "party", "Fête", NOW, NOW + DAY),
        PhaseSpec("p", "vote", "Vote", NOW, NOW + DAY, actions=("hack",)),
    ]
    fields = []
    for phase in bad:
        with pytest.raises(DomainError) as err:
            await h.schedule_phases(SchedulePhases("c1", (phase,)), **world.ports)  # type: ignore[arg-type]
        fields.append(err.value.field)
    assert fields == ["phases.0.title", "phases.0.kind", "phases.0.actions.0"]


async def test_publish_unpublish_and_update(world: World) -> None:
    await h.create_consultation(_create(), **world.ports)  # type: ignore[arg-type]
    await h.publish_consultation(PublishConsultation("c1"), **world.ports)  # type: ignore[arg-type]
    await h.publish_consultation(PublishConsultation("c1"), **world.ports)  # type: ignore[arg-type]
    await world.project()
    assert (await world.store.get("published_consultations", "all", "c1")) is not None
    await h.update_consultation(UpdateConsultation("c1", "Plan climat 2030"), **world.ports)  # type: ignore[arg-type]
    await world.project()
    published = await world.store.get("published_consultations", "all", "c1")
    assert published is not None and published["title"] == "Plan climat 2030"
    await h.unpublish_consultation(UnpublishConsultation("c1"), **world.ports)  # type: ignore[arg-type]
    await world.project()
    assert await world.store.get("published_consultations", "all", "c1") is None
    types = [e.type.split(".")[1] for e in await world.events()]
    assert types.count("ConsultationPublished") == 1  # publishing twice wrote once


async def test_commands_on_a_missing_consultation_are_refused(world: World) -> None:
    with pytest.raises(DomainError):
        await h.publish_consultation(PublishConsultation("nope"), **world.ports)  # type: ignore[arg-type]
    with pytest.raises(DomainError):
        await h.schedule_phases(SchedulePhases("nope", ()), **world.ports)  # type: ignore[arg-type]
    assert await _stored(world) == 0


async def test_projection_replay_is_idempotent(world: World) -> None:
    await h.create_consultation(_create(), **world.ports)  # type: ignore[arg-type]
    await h.publish_consultation(PublishConsultation("c1"), **world.ports)  # type: ignore[arg-type]
    await world.project()
    first = await world.store.get("consultation_detail", "all", "c1")
    world._seen = 0  # deliver everything again
    await world.project()
    assert await world.store.get("consultation_detail", "all", "c1") == first


async def test_state_is_loaded_past_the_first_page_of_the_topic(world: World) -> None:
    for i in range(1100):  # more than one `read` page (1,000 records)
        await h.create_consultation(_create(f"c{i}", f"slug-{i}"), **world.ports)  # type: ignore[arg-type]
    await h.publish_consultation(PublishConsultation("c1099"), **world.ports)  # type: ignore[arg-type]
    state = await h.load_consultation(world.log, "c1099")
    assert state.published and state.version == 2
