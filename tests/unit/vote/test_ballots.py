"""Ballots on memory fakes: one ballot per (item, participant) by the stream key,
repeat = no event, change = -1/+1, withdrawal = -1; refusals store nothing."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest

from services.consultation.commands import VoteMethodSpec
from services.core.errors import DomainError, NotFound
from services.core.ids import new_id
from services.vote.commands import CastBallot, CastRanking, WithdrawBallot
from services.vote.items import PublishedItem
from services.vote.projections import BALLOTS, RANKINGS, TALLIES, THRESHOLDS, tally_partition
from services.vote.recount import compare
from vote.world import CID, VOTE_ENDS, World, voter


async def tally(world: World, item: str = "item-0") -> dict[str, Any]:
    doc = await world.store.get(TALLIES, tally_partition(CID, "vote"), item)
    assert doc is not None
    return doc


async def test_repeat_is_a_no_op(world: World) -> None:
    cmd = CastBallot("item-0", voter(), "agree", "agree", ("coup_de_coeur",))
    assert (await world.handle(cmd))["status"] == "recorded"
    before = await tally(world)
    assert (await world.handle(cmd))["status"] == "unchanged"
    assert len(await world.events()) == 1
    assert await tally(world) == before
    assert before["agree"]["agree"] == 1 and before["qualifications"] == {"coup_de_coeur": 1}


async def test_change_moves_the_tally_by_minus_one_plus_one_in_one_event(world: World) -> None:
    await world.handle(CastBallot("item-0", voter("p-bob"), "agree", "disagree"))
    await world.handle(CastBallot("item-0", voter(), "agree", "agree"))
    await world.handle(CastBallot("item-0", voter(), "agree", "neutral", ("realiste",)))
    events = await world.events()
    assert len(events) == 3
    t = (await tally(world))["agree"]
    assert (t["agree"], t["disagree"], t["neutral"]) == (0, 1, 1)
    assert events[-1].data["previous"] == {"choice": "agree", "qualifications": [],
                                           "identity_level": "anonymous"}


async def test_withdrawal_removes_one_and_a_new_cast_counts_again(world: World) -> None:
    await world.handle(CastBallot("item-0", voter(), "support", "support"))
    await world.handle(CastBallot("item-0", voter("p-bob"), "support", "support"))
    assert (await tally(world))["support"]["total"] == 2
    await world.handle(WithdrawBallot("item-0", voter(), "support"))
    assert (await tally(world))["support"]["total"] == 1
    assert (await world.handle(WithdrawBallot("item-0", voter(), "support")))["status"] == \
        "unchanged"
    await world.handle(CastBallot("item-0", voter(), "support", "support"))
    assert (await tally(world))["support"]["total"] == 2
    assert len(await world.events()) == 4
    assert await compare(world.log, world.store) == []


async def test_results_per_identity_level(world: World) -> None:
    await world.handle(CastBallot("item-0", voter("p-a", "verified"), "agree", "agree"))
    await world.handle(CastBallot("item-0", voter("p-b", "email"), "agree", "agree"))
    await world.handle(CastBallot("item-0", voter("p-c", "email"), "agree", "disagree"))
    by_level = (await tally(world))["agree"]["by_level"]
    assert by_level == {"verified": {"agree": 1, "disagree": 0, "neutral": 0},
                        "email": {"agree": 1, "disagree": 1, "neutral": 0}}
    assert (await world.events())[0].data["identity_level"] == "verified"


async def test_concurrent_identical_requests_write_one_ballot() -> None:
    for check in (True, False):
        world = await World(check_existing=check).setup()
        cmd = CastBallot("item-0", voter(), "agree", "agree")
        results = await asyncio.gather(*(world.handle(cmd, project=False) for _ in range(50)))
        await world.project()
        assert len(await world.events()) == 1, f"check_existing={check}"
        assert sorted(r["status"] for r in results).count("recorded") == 1
        assert (await tally(world))["agree"]["agree"] == 1


@pytest.mark.parametrize(("cmd", "code"), [
    (CastBallot("nope", voter(), "agree", "agree"), "unknown_item"),
    (CastBallot("item-hidden", voter(), "agree", "agree"), "item_hidden"),
    (CastBallot("item-gone", voter(), "agree", "agree"), "item_withdrawn"),
    (CastBallot("item-0", voter(), "agree", "maybe"), "invalid_choice"),
    (CastBallot("item-0", voter(), "agree", "agree", ("génial",)), "invalid_qualification"),
    (CastBallot("item-0", voter(), "support", "support", ("realiste",)),
     "invalid_qualification"),
    (CastBallot("item-0", voter(), "like", "agree"), "invalid_ballot_kind"),
    (CastRanking(CID, voter(), ("item-0", "item-1", "item-0")), "ranking_duplicates"),
    (CastRanking(CID, voter(), tuple(f"item-{n}" for n in range(6))), "ranking_too_long"),
    (CastRanking(CID, voter(), ("item-0", "item-hidden")), "item_hidden"),
    (CastBallot("item-0", voter("a@b.fr"), "agree", "agree"), "invalid_participant"),
])
async def test_bad_input_is_refused_in_french_and_nothing_is_stored(
        world: World, cmd: object, code: str) -> None:
    with pytest.raises(DomainError) as refused:
        await world.handle(cmd)
    assert refused.value.code == code
    assert refused.value.message[0].isupper()
    assert await world.events() == []


async def test_a_ballot_after_the_phase_closes_is_refused(world: World) -> None:
    world.clock.advance(VOTE_ENDS - world.clock.now())
    with pytest.raises(DomainError) as refused:
        await world.handle(CastBallot("item-0", voter(), "agree", "agree"))
    assert refused.value.code == "phase_closed"
    assert await world.events() == []


async def test_identity_level_below_the_consultation_s_is_refused() -> None:
    world = await World().setup(identity_level="email")
    with pytest.raises(DomainError) as refused:
        await world.handle(CastBallot("item-0", voter(), "agree", "agree"))
    assert refused.value.code == "identity_level_too_low"
    await world.handle(CastBallot("item-0", voter(level="email"), "agree", "agree"))
    assert len(await world.events()) == 1


async def test_unknown_consultation_for_a_ranking(world: World) -> None:
    with pytest.raises(NotFound):
        await world.handle(CastRanking("nope", voter(), ("item-0",)))


async def test_ranking_borda_and_first_choices_and_change(world: World) -> None:
    await world.handle(CastRanking(CID, voter("p-a"), ("item-0", "item-1", "item-2")))
    await world.handle(CastRanking(CID, voter("p-b"), ("item-1", "item-0")))
    ranking = await world.store.get(RANKINGS, CID, "vote")
    assert ranking is not None
    assert ranking["borda"] == {"item-0": 4, "item-1": 4, "item-2": 1}
    assert ranking["first"] == {"item-0": 1, "item-1": 1}
    await world.handle(CastRanking(CID, voter("p-a"), ("item-2",)))
    ranking = await world.store.get(RANKINGS, CID, "vote")
    assert ranking is not None
    assert ranking["ballots"] == 2
    assert ranking["borda"] == {"item-0": 1, "item-1": 2, "item-2": 1}
    assert ranking["first"] == {"item-1": 1, "item-2": 1}
    assert (await world.handle(CastRanking(CID, voter("p-a"), ("item-2",))))["status"] == \
        "unchanged"
    assert await compare(world.log, world.store) == []


async def test_support_threshold_is_announced_once(world: World) -> None:
    await world.schedule(VoteMethodSpec(support_threshold=3))
    for n in range(5):
        await world.handle(CastBallot("item-0", voter(f"p-{n}"), "support", "support"))
    reached = [e for e in await world.events() if e.type == "vote.SupportThresholdReached"]
    assert len(reached) == 1 and reached[0].data["supports"] == 3
    assert await world.store.get(THRESHOLDS, CID, "item-0") is not None


async def test_my_ballots_read_model(world: World) -> None:
    await world.handle(CastBallot("item-0", voter(), "agree", "agree"))
    await world.handle(CastBallot("item-1", voter(), "support", "support"))
    rows = await world.store.list(BALLOTS, "p-alice")
    assert {(d["item_id"], d["choice"]) for _, d in rows} == {("item-0", "agree"),
                                                             ("item-1", "support")}


async def test_late_events_do_not_change_a_closed_phase_result(world: World) -> None:
    await world.handle(CastBallot("item-0", voter(), "agree", "agree"))
    before = await tally(world)
    # A late event (recorded after the close, e.g. replayed from elsewhere) is ignored.
    world.clock.advance(VOTE_ENDS - world.clock.now() + timedelta(minutes=1))
    late = (await world.events())[0]
    from dataclasses import replace

    await world.log.append([replace(late, event_id=new_id(), stream=late.stream + "-x",
                                    occurred_at=world.clock.now())])
    await world.project()
    assert await tally(world) == before
    assert await compare(world.log, world.store) == []


async def test_a_phase_decides_with_its_own_method(world: World) -> None:
    """ADR 0062: the phase's sources, qualifications, ranking length and identity
    level, not the consultation's; every refusal stores nothing."""
    await world.schedule(VoteMethodSpec(sources=("depot",), qualifications=("realiste",),
                                        ranking_max=2, identity_level="email"))
    anne = voter("p-anne", "email")
    refusals = [
        # item-0 was submitted before the deposit phase opened: not this phase's
        (CastBallot("item-0", anne, "agree", "agree"), "item_not_in_phase"),
        (CastBallot("item-1", anne, "agree", "agree", ("prioritaire",)),
         "invalid_qualification"),
        (CastRanking(CID, anne, ("item-1", "item-2", "item-3")), "ranking_too_long"),
        (CastRanking(CID, anne, ("item-1", "item-0")), "item_not_in_phase"),
        (CastBallot("item-1", voter("p-bob"), "agree", "agree"), "identity_level_too_low"),
    ]
    for command, code in refusals:
        with pytest.raises(DomainError) as refused:
            await world.handle(command)
        assert refused.value.code == code, command
    assert await world.events() == []
    assert (await world.handle(CastBallot("item-1", anne, "agree", "agree", ("realiste",)))
            )["status"] == "recorded"
    assert (await world.handle(CastRanking(CID, anne, ("item-2", "item-1"))))["status"] \
        == "recorded"


async def test_an_item_belongs_to_the_phase_its_deposit_recorded(world: World) -> None:
    """Re-dating a deposit phase does not move its items: the phase recorded at
    deposit wins over the dates (which only place items deposited before it was)."""
    await world.schedule(VoteMethodSpec(sources=("depot",)))
    world.items.add(PublishedItem("early", CID, "author-9", "2026-11-01T10:00:00Z",
                                  phase_id="depot"))
    world.items.add(PublishedItem("other", CID, "author-9", "2026-11-25T10:00:00Z",
                                  phase_id="questions"))
    anne = voter("p-anne")
    assert (await world.handle(CastBallot("early", anne, "agree", "agree")))["status"] \
        == "recorded"
    with pytest.raises(DomainError) as refused:
        await world.handle(CastBallot("other", anne, "agree", "agree"))
    assert refused.value.code == "item_not_in_phase"


async def test_a_ballot_reads_the_log_once_before_its_append(world: World) -> None:
    """ADR 0097: the ballot's stream and its phase's frozen results come in one
    read (one statement on SQLite); a change of the ballot reads its history too."""
    calls: list[str] = []
    inside = False  # the port's default reads through the other two: not counted
    log: Any = world.log

    def counted(name: str) -> Any:
        real = getattr(log, name)

        async def counting(*args: Any) -> Any:
            nonlocal inside
            if inside:
                return await real(*args)
            calls.append(name)
            inside = True
            try:
                return await real(*args)
            finally:
                inside = False
        return counting

    for name in ("read_stream", "stream_version", "read_stream_and_version"):
        setattr(log, name, counted(name))
    assert (await world.handle(CastBallot("item-0", voter(), "agree", "agree"),
                               project=False))["status"] == "recorded"
    assert (await world.handle(CastBallot("item-0", voter(), "agree", "disagree"),
                               project=False))["status"] == "recorded"
    assert calls == ["read_stream_and_version"] * 2
    assert [e.data["choice"] for e in await world.events()] == ["agree", "disagree"]
