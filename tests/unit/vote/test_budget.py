"""Participatory budget on memory fakes (ADR 0067): a ballot keeps within its
envelope, decided on the budget and ballot streams read from the log; a repeat
is a no-op, a change replaces the ballot; results rank by votes and select the
projects that fit, skipping the one that no longer does."""

from __future__ import annotations

from typing import Any

import pytest

from services.consultation import handlers as ch
from services.consultation.commands import PhaseSpec, SchedulePhases
from services.core.errors import DomainError
from services.vote import budget
from services.vote.budget_handlers import (
    cast_budget_ballot,
    set_budget_envelope,
    set_project_cost,
)
from services.vote.commands import CastBudgetBallot, SetBudgetEnvelope, SetProjectCost
from services.vote.projections import BUDGET, BUDGET_KEY, BUDGET_VOTES
from services.vote.recount import compare
from vote.world import CID, DEPOSIT_STARTS, VOTE_ENDS, VOTE_STARTS, World, voter

COSTS = {"item-0": 300_000, "item-1": 320_000, "item-2": 150_000, "item-3": 20_000}


async def organise(world: World) -> None:
    """A budget vote phase open now, « Paris 11e » at 500 000 € with four projects."""
    await ch.schedule_phases(SchedulePhases(CID, (
        PhaseSpec("depot", "deposit", "Dépôt", DEPOSIT_STARTS, VOTE_STARTS),
        PhaseSpec("vote", "vote", "Vote du budget", VOTE_STARTS, VOTE_ENDS,
                  actions=("vote_budget",)),
    )), log=world.log, clock=world.clock, meta=world.meta)
    await world.project()
    await organiser(world, SetBudgetEnvelope(CID, "Paris 11e", 500_000))
    for item, cost in COSTS.items():
        await organiser(world, SetProjectCost(CID, item, "paris-11e", cost))


async def organiser(world: World, cmd: SetBudgetEnvelope | SetProjectCost,
                    project: bool = True) -> dict[str, Any]:
    ports: dict[str, Any] = {"log": world.log, "store": world.store, "clock": world.clock,
                             "meta": world.meta}
    if isinstance(cmd, SetProjectCost):
        result = await set_project_cost(cmd, items=world.items, **ports)
    else:
        result = await set_budget_envelope(cmd, **ports)
    if project:
        await world.project()
    return result


async def ballot(world: World, pid: str, *projects: str,
                 envelope: str = "paris-11e") -> dict[str, Any]:
    result = await cast_budget_ballot(
        CastBudgetBallot(CID, voter(pid), envelope, projects), log=world.log,
        store=world.store, clock=world.clock, meta=world.meta, items=world.items,
        vote_options=world.options)
    await world.project()
    return result


@pytest.fixture
async def world() -> World:
    w = await World().setup()
    await organise(w)
    return w


def test_the_envelope_id_comes_from_the_territory() -> None:
    assert budget.envelope_id("Paris 11e") == "paris-11e"
    assert budget.envelope_id("Île-de-France") == "ile-de-france"
    assert budget.envelope_id("") == budget.WHOLE


async def test_a_ballot_over_the_envelope_is_refused_in_french(world: World) -> None:
    with pytest.raises(DomainError) as refused:
        await ballot(world, "p-anne", "item-0", "item-1")
    assert refused.value.message == ("Votre sélection (620\u202f000\u00a0€) dépasse "
                                     "l'enveloppe de 500\u202f000\u00a0€.")
    assert refused.value.field == "projects"
    assert not [e for e in await world.events() if e.type == "vote.BudgetBallotCast"]
    assert (await ballot(world, "p-anne", "item-0", "item-2"))["total"] == 450_000


async def test_a_ballot_is_decided_on_the_costs_in_the_log(world: World) -> None:
    # the organiser raises a cost; the read model has not seen it yet
    await organiser(world, SetProjectCost(CID, "item-2", "paris-11e", 250_000), project=False)
    doc = await world.store.get(BUDGET, CID, BUDGET_KEY)
    assert doc is not None and doc["costs"]["item-2"]["cost"] == 150_000  # lagging
    with pytest.raises(DomainError, match=r"Votre sélection \(550"):
        await cast_budget_ballot(
            CastBudgetBallot(CID, voter("p-anne"), "paris-11e", ("item-0", "item-2")),
            log=world.log, store=world.store, clock=world.clock, meta=world.meta,
            items=world.items, vote_options=world.options)


async def test_unknown_or_hidden_projects_and_envelopes_are_refused(world: World) -> None:
    with pytest.raises(DomainError, match="pas proposé dans cette enveloppe"):
        await ballot(world, "p-anne", "item-4")
    with pytest.raises(DomainError, match="n'existe pas dans ce budget"):
        await ballot(world, "p-anne", "item-0", envelope="lyon")
    with pytest.raises(DomainError, match="proposition publiée"):
        await organiser(world, SetProjectCost(CID, "item-hidden", "paris-11e", 10))
    with pytest.raises(DomainError, match="entre 1 et"):
        await organiser(world, SetBudgetEnvelope(CID, "", 0))
    # a project dearer than its whole envelope could never be chosen
    with pytest.raises(DomainError, match="coûte plus que toute l'enveloppe « Paris 11e »"):
        await organiser(world, SetProjectCost(CID, "item-2", "paris-11e", 600_000))
    with pytest.raises(DomainError, match="ne peut pas être plus petite"):
        await organiser(world, SetBudgetEnvelope(CID, "Paris 11e", 1_000))


async def test_repeat_is_a_no_op_and_a_change_replaces_the_ballot(world: World) -> None:
    assert (await ballot(world, "p-anne", "item-2", "item-0"))["status"] == "recorded"
    assert (await ballot(world, "p-anne", "item-0", "item-2"))["status"] == "unchanged"
    assert (await ballot(world, "p-anne", "item-1"))["status"] == "recorded"
    casts = [e for e in await world.events() if e.type == "vote.BudgetBallotCast"]
    assert len(casts) == 2 and casts[1].data["previous"]["projects"] == ["item-0", "item-2"]
    votes = await world.store.get(BUDGET_VOTES, CID, "vote")
    assert votes == {"paris-11e": {"ballots": 1, "projects": {
        "item-0": 0, "item-1": 1, "item-2": 0}}}
    assert await compare(world.log, world.store) == []
    assert (await ballot(world, "p-anne"))["status"] == "recorded"  # withdrawn
    votes = await world.store.get(BUDGET_VOTES, CID, "vote")
    assert votes is not None and votes["paris-11e"]["ballots"] == 0
    assert (await ballot(world, "p-anne"))["status"] == "unchanged"
    assert await compare(world.log, world.store) == []


async def test_results_by_votes_then_fitting_the_envelope(world: World) -> None:
    for pid, projects in (("p-a", ("item-0", "item-2")), ("p-b", ("item-1",)),
                          ("p-c", ("item-1", "item-2")), ("p-d", ("item-0", "item-3"))):
        await ballot(world, pid, *projects)
    doc = await world.store.get(BUDGET, CID, BUDGET_KEY)
    votes = await world.store.get(BUDGET_VOTES, CID, "vote")
    assert doc is not None and votes is not None
    [envelope] = budget.results(doc, votes)
    # 2 votes each for item-2 (150 000), item-0 (300 000), item-1 (320 000): the
    # cheaper first; item-1 no longer fits (50 000 left), item-3 (20 000) does.
    assert [(r["project_id"], r["votes"], r["selected"]) for r in envelope["rows"]] == [
        ("item-2", 2, True), ("item-0", 2, True), ("item-1", 2, False), ("item-3", 1, True)]
    assert envelope["spent"] == 470_000 and envelope["ballots"] == 4
    assert await compare(world.log, world.store) == []


def test_a_project_without_a_vote_is_not_selected() -> None:
    state = {"envelopes": {"e": {"envelope_id": "e", "territory": "", "amount": 100}},
             "costs": {"x": {"cost": 10, "envelope_id": "e"}}}
    [envelope] = budget.results(state, {})
    assert envelope["rows"] == [{"project_id": "x", "cost": 10, "votes": 0,
                                 "selected": False}]
