"""Results frozen at phase close (`services.vote.closing`), on memory fakes: a pass
before the end (and its grace) freezes nothing; after it, the results are frozen once,
recounted from the log; later passes and late events leave them as they were."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

from services.core.events import Meta
from services.core.ids import new_id
from services.vote.closing import GRACE, freeze_ended_phases
from services.vote.commands import CastBallot, CastRanking, FreezeResults
from services.vote.projections import FROZEN
from vote.world import CID, VOTE_ENDS, World, voter


def handle(world: World) -> Any:
    async def run(command: object, meta: Meta) -> Any:
        return await world.handle(command)
    return run


async def frozen(world: World) -> dict[str, Any] | None:
    return await world.store.get(FROZEN, CID, "vote")


async def test_ended_vote_phases_are_frozen_once_with_their_recounted_results(
        world: World) -> None:
    await world.handle(CastBallot("item-0", voter("p-a"), "agree", "agree"))
    await world.handle(CastBallot("item-0", voter("p-b"), "agree", "disagree"))
    await world.handle(CastBallot("item-1", voter("p-a"), "support", "support"))
    await world.handle(CastRanking(CID, voter("p-a"), ("item-2", "item-0")))

    assert await freeze_ended_phases(world.store, handle(world), world.clock.now()) == []
    assert await frozen(world) is None  # still open: nothing frozen

    world.clock.advance(VOTE_ENDS - world.clock.now() + GRACE / 2)  # closed, in the grace
    assert await freeze_ended_phases(world.store, handle(world), world.clock.now()) == []
    world.clock.advance(GRACE / 2)
    outcomes = await freeze_ended_phases(world.store, handle(world), world.clock.now())
    assert outcomes == [f"{CID}/vote: frozen"]  # the deposit phase has no vote: not listed
    doc = await frozen(world)
    assert doc is not None
    assert doc["tallies"]["item-0"]["agree"]["agree"] == 1
    assert doc["tallies"]["item-0"]["agree"]["disagree"] == 1
    assert doc["tallies"]["item-1"]["support"]["total"] == 1
    assert doc["rankings"]["ballots"] == 1

    # a later pass has nothing left to do; a second freeze asked directly is a no-op
    assert await freeze_ended_phases(world.store, handle(world), world.clock.now()) == []
    again = await world.handle(FreezeResults(CID, "vote"))
    assert again == {"status": "already_frozen"}
    types = [e.type for e in await world.events()]
    assert types.count("vote.ResultsFrozen") == 1

    # a ballot event arriving late (replayed from elsewhere) changes nothing frozen
    late = next(e for e in await world.events() if e.type == "vote.BallotCast")
    await world.log.append([replace(late, event_id=new_id(), stream=late.stream + "-late",
                                    occurred_at=world.clock.now() + timedelta(minutes=1))])
    await world.project()
    assert await frozen(world) == doc


async def test_a_phase_is_frozen_even_if_its_projection_lags(world: World) -> None:
    """Two passes before the frozen read model catches up: the second finds the
    phase still unfrozen in the read model, and the log's key says it is done."""
    await world.handle(CastBallot("item-0", voter("p-a"), "agree", "agree"))
    world.clock.advance(VOTE_ENDS - world.clock.now() + GRACE)

    async def without_projection(command: object, meta: Meta) -> Any:
        return await world.handle(command, project=False)

    first = await freeze_ended_phases(world.store, without_projection, world.clock.now())
    second = await freeze_ended_phases(world.store, without_projection, world.clock.now())
    assert (first, second) == ([f"{CID}/vote: frozen"], [f"{CID}/vote: already_frozen"])
    assert [e.type for e in await world.events()].count("vote.ResultsFrozen") == 1


async def test_frozen_means_frozen_even_when_the_phase_is_reopened(world: World) -> None:
    """The organiser re-opens the vote phase after its results were frozen: a
    ballot is refused with a French message, the frozen results stay the log's,
    and the recount compares them with it (issue #15)."""
    from services.consultation import handlers as ch
    from services.consultation.commands import PhaseSpec, SchedulePhases
    from services.core.errors import DomainError
    from services.vote.recount import compare, differences

    await world.handle(CastBallot("item-0", voter("p-a"), "agree", "agree"))
    world.clock.advance(VOTE_ENDS - world.clock.now() + GRACE)
    assert await freeze_ended_phases(world.store, handle(world), world.clock.now()) == [
        f"{CID}/vote: frozen"]
    now = world.clock.now()
    await ch.schedule_phases(SchedulePhases(CID, (PhaseSpec(
        "vote", "vote", "Vote", now - timedelta(days=1), now + timedelta(days=3),
        actions=("vote_support", "vote_agree", "vote_ranking")),)),
        log=world.log, clock=world.clock, meta=world.meta)
    await world.project()
    for command in (CastBallot("item-0", voter("p-b"), "agree", "disagree"),
                    CastRanking(CID, voter("p-b"), ("item-0",))):
        try:
            await world.handle(command)
        except DomainError as refused:
            assert refused.code == "results_frozen" and "figés" in refused.message
        else:
            raise AssertionError(f"{command} accepted after the freeze")
    assert await compare(world.log, world.store) == []
    # a ballot that got into the log after the freeze (another writer) is reported
    cast = next(e for e in await world.events() if e.type == "vote.BallotCast")
    await world.log.append([replace(
        cast, event_id=new_id(), stream=cast.stream + "-after",
        data={**cast.data, "participant_id": "p-c", "phase_ends_at": (
            now + timedelta(days=3)).isoformat().replace("+00:00", "Z")},
        occurred_at=now)])
    await world.project()
    assert any("résultats figés" in line for line in await compare(world.log, world.store))
    # the back office's page reads the same difference as data: which phase, which
    # item, against the frozen results, the two sides' counts
    after_freeze = [d for d in await differences(world.log, world.store)
                    if d.against == "frozen"]
    assert [(d.consultation_id, d.phase_id, d.subject, d.item_id) for d in after_freeze] == [
        (CID, "vote", "item", cast.data["item_id"])]
    recounted, shown = after_freeze[0].recounted, after_freeze[0].shown
    assert sum(recounted["agree"][c] for c in ("agree", "disagree", "neutral")) \
        == sum(shown["agree"][c] for c in ("agree", "disagree", "neutral")) + 1


async def test_the_grace_after_the_end_is_the_one_given(world: World) -> None:
    """PARLONS_VOTE_FREEZE_GRACE_S: a shorter grace freezes sooner."""
    await world.handle(CastBallot("item-0", voter("p-a"), "agree", "agree"))
    short = timedelta(seconds=5)
    world.clock.advance(VOTE_ENDS - world.clock.now() + short / 2)
    assert await freeze_ended_phases(world.store, handle(world), world.clock.now(), short) == []
    world.clock.advance(short / 2)
    assert await freeze_ended_phases(world.store, handle(world), world.clock.now(), short) == [
        f"{CID}/vote: frozen"]
