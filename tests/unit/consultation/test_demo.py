"""The demo seed: three realistic consultations, some phases open now, idempotent."""

from __future__ import annotations

from consultation.consultation_world import NOW, World
from services.consultation.demo import BIKE_ID, BUDGET_ID, GRAND_DEBAT_ID, seed_demo
from services.consultation.phases import current_phase


async def test_seed_creates_published_consultations_with_open_phases(world: World) -> None:
    assert await seed_demo(log=world.log, clock=world.clock) > 0
    await world.project()
    published = await world.store.list("published_consultations", "all")
    assert {k for k, _ in published} == {GRAND_DEBAT_ID, BIKE_ID, BUDGET_ID}
    budget = await world.store.get("consultation_detail", "all", BUDGET_ID)
    assert budget is not None  # a participatory budget, its vote open now
    assert current_phase(budget["phases"], NOW)["actions"] == ["vote_budget"]  # type: ignore[index]
    gd = await world.store.get("consultation_detail", "all", GRAND_DEBAT_ID)
    bike = await world.store.get("consultation_detail", "all", BIKE_ID)
    assert gd is not None and bike is not None
    assert len(gd["themes"]) == 4 and len(gd["questionnaires"]) == 4
    assert sum(q["question_count"] for q in gd["questionnaires"]) == 94
    assert [p["kind"] for p in bike["phases"]] == ["deposit", "vote", "deposit", "vote",
                                                   "synthesis"]
    assert current_phase(bike["phases"], NOW)["phase_id"] == "vote-solutions"  # type: ignore[index]
    # each vote phase takes its own deposit phase's items, with its own kinds
    votes = {p["phase_id"]: p for p in bike["phases"] if p["kind"] == "vote"}
    assert votes["vote-irritants"]["vote"]["sources"] == ["irritants"]
    assert "vote_agree" in votes["vote-irritants"]["actions"]
    assert votes["vote-irritants"]["vote"]["qualifications"]
    assert votes["vote-solutions"]["vote"]["sources"] == ["solutions"]
    assert "vote_ranking" in votes["vote-solutions"]["actions"]
    assert current_phase(gd["phases"], NOW)["kind"] == "questionnaire"  # type: ignore[index]
    meetings = await world.store.list("meetings_by_consultation", GRAND_DEBAT_ID)
    assert len(meetings) == 4
    for doc in (gd, bike):  # their meetings to come take registrations (ADR 0139)
        assert "register_meeting" in current_phase(doc["phases"], NOW)["actions"]  # type: ignore[index]
    assert sum(1 for _, d in meetings if d["minutes"]) == 2
    assert {d["departement"] for _, d in meetings} == {"69", "13", "35", "971"}
    assert len(await world.store.list("published_articles", GRAND_DEBAT_ID)) == 3
    [(_, commission)] = await world.store.list("commissions", BIKE_ID)
    assert len(commission["members"]) == 3 and len(commission["reports"]) == 1


async def test_seeding_twice_creates_nothing_new(world: World) -> None:
    await seed_demo(log=world.log, clock=world.clock)
    before = len(await world.events())
    assert await seed_demo(log=world.log, clock=world.clock) == 0
    assert len(await world.events()) == before
