"""The demo's participation (`parlons serve --demo`): written through the handlers
on SQLite with the projections running, coherent with what the demo's pages say,
counted exactly as a recount of the log, questionnaire responses for the Grand
Débat's statistics, and seeded once."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from services.consultation.demo import BIKE_ID, BUDGET_ID, GRAND_DEBAT_ID
from services.moderation.queue import ITEMS
from services.runtime.bootstrap import Container, bootstrap
from services.runtime.demo import seed_demo
from services.runtime.demo_budget import ENVELOPES
from services.runtime.demo_budget import VOTE_PHASE as BUDGET_PHASE
from services.runtime.demo_participation import (
    IRRITANTS,
    SOLUTIONS,
    SOLUTIONS_VOTE_PHASE,
    VOTE_PHASE,
    irritant_id,
    seed_participation,
    solution_id,
)
from services.runtime.demo_responses import RESPONDENTS
from services.runtime.runner import running
from services.runtime.settings import Settings
from services.vote import budget
from services.vote.items import PUBLISHED, StorePublishedItems
from services.vote.projections import FROZEN
from services.vote.recount import compare, recount_phase

RETAINED = 5  # the demo's news article names five irritants « retenus »
TOPICS = ("consultation.events", "deposit.events", "moderation.events", "vote.events")


async def frozen_when_projected(container: Container) -> dict[str, Any]:
    for _ in range(200):
        doc = await container.store.get(FROZEN, BIKE_ID, VOTE_PHASE)
        if doc is not None:
            return doc
        await asyncio.sleep(0.05)
    raise AssertionError("the frozen results never reached the read model")


async def test_the_demo_has_a_frozen_vote_a_queue_and_is_seeded_once(tmp_path: Path) -> None:
    settings = Settings(event_log="sqlite", read_store="sqlite", data_dir=tmp_path,
                        worker_poll_timeout=0.02, worker_backoff_base=0.01)
    container = bootstrap(settings)
    async with running(container):
        await seed_demo(container)
        assert await seed_participation(container, timeout_s=30) > 0

        frozen = await frozen_when_projected(container)
        counted = await recount_phase(container.log, BIKE_ID, VOTE_PHASE)
        tallies = counted.tallies
        assert frozen["tallies"] == tallies and frozen["rankings"] == counted.ranking
        agree = {item: t["agree"]["agree"] for item, t in tallies.items()}
        assert set(agree) == {irritant_id(n) for n in range(len(IRRITANTS))}
        top = sorted(agree, key=agree.__getitem__, reverse=True)[:RETAINED]
        assert set(top) == {irritant_id(n) for n in range(RETAINED)}, agree
        levels = {level for t in tallies.values() for level in t["agree"]["by_level"]}
        assert levels == {"anonymous", "email"}
        assert sum(t["support"]["total"] for t in tallies.values()) > 0
        assert sum(sum(t["qualifications"].values()) for t in tallies.values()) > 0
        # the vote on solutions (open now) ranks solutions only
        solutions = await recount_phase(container.log, BIKE_ID, SOLUTIONS_VOTE_PHASE)
        assert solutions.ranking["ballots"] > 0
        assert set(solutions.ranking["borda"]) | set(solutions.tallies) <= {
            solution_id(n) for n in range(len(SOLUTIONS))}

        items = StorePublishedItems(container.store)
        shown = [i for i in await items.in_consultation(BIKE_ID) if i.status == PUBLISHED]
        assert len(shown) == len(IRRITANTS) + len(SOLUTIONS) - 1
        waiting = await container.store.get(ITEMS, "all", solution_id(len(SOLUTIONS) - 1))
        assert waiting is not None and waiting["status"] == "pending"

        responses = [r.event for r in await container.log.read("deposit.events", limit=100_000)
                     if r.event.type == "deposit.ResponseSubmitted"]
        assert len({e.data["author_id"] for e in responses}) == RESPONDENTS
        assert len({e.data["questionnaire_id"] for e in responses}) == 4
        assert {e.consultation_id for e in responses} == {GRAND_DEBAT_ID}
        assert len({e.data["territory"] for e in responses}) > 3  # for territory statistics
        answered = {a["question_id"] for e in responses for a in e.data["answers"]}
        assert {"1160", "161", "110"} <= answered  # a closed question, its follow-up, open
        others = {a["question_id"] for e in responses for a in e.data["answers"]
                  if "autre" in a["option_ids"] and a["other_text"]}
        assert {"1160", "1206"} <= others  # « Autre » with its text, for its page

        # the participatory budget: ballots in both envelopes, each within it
        state = budget.budget_of(await container.log.read_stream(
            budget.budget_stream(BUDGET_ID)))
        assert {e["amount"] for e in state["envelopes"].values()} == {a for _, a in ENVELOPES}
        casts = [r.event.data for r in await container.log.read("vote.events", limit=100_000)
                 if r.event.type == "vote.BudgetBallotCast"]
        assert casts and all(
            c["total"] <= state["envelopes"][c["envelope_id"]]["amount"] for c in casts)
        votes = (await recount_phase(container.log, BUDGET_ID, BUDGET_PHASE)).budget
        assert set(votes) == set(state["envelopes"])
        assert all(any(r["selected"] for r in env["rows"])
                   for env in budget.results(state, votes))

        async def written() -> list[int]:
            return [len(await container.log.read(t, limit=100_000)) for t in TOPICS]
        # The automatic moderation checks of the last responses are still being
        # appended by their process manager: wait until every worker has caught up.
        for _ in range(200):
            if not any([await w.lag() for w in list(container.built_workers)]):
                break
            await asyncio.sleep(0.05)
        before = await written()
        # Demo texts are not a copy-paste campaign: no two contributions grouped.
        checks = [r.event for r in await container.log.read("moderation.events",
                                                             limit=100_000)
                  if r.event.type == "moderation.ContributionChecked"]
        assert len(checks) > RESPONDENTS and not [
            c for c in checks if c.data["campaign_group_id"]]
        assert await seed_participation(container, timeout_s=30) == 0
        assert await written() == before
        for _ in range(100):  # the tallies read model agrees with the log, once caught up
            if not await compare(container.log, container.store):
                break
            await asyncio.sleep(0.05)
        assert await compare(container.log, container.store) == []
