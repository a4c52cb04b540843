"""The vote sequence's reads (services/vote/sequence.py): the participant's own
ballots of the open phase leave the sequence, a withdrawn one returns it; the
phase's pools are shared by the participants of a process and made again once
the store moved (ADR 0039)."""

from __future__ import annotations

import numpy as np

from services.consultation import queries as consultations
from services.vote.commands import CastBallot, WithdrawBallot
from services.vote.items import PublishedItem
from services.vote.sequence import PhasePools, sequence_for
from vote.world import CID, World, voter

VISIBLE = {f"item-{n}" for n in range(6)}


async def served(world: World, pid: str, pools: PhasePools | None = None) -> set[str]:
    consultation = await consultations.consultation(world.store, CID)
    assert consultation is not None
    phase = next(p for p in consultation["phases"] if p["phase_id"] == "vote")
    return set(await sequence_for(world.store, consultation, phase, pid, size=50,
                                  rng=np.random.default_rng(0), pools=pools))


async def test_own_ballots_leave_the_sequence_and_a_withdrawn_one_returns(world: World) -> None:
    pools = PhasePools(world.store, world.items)
    assert await served(world, "p-alice", pools) == VISIBLE
    await world.handle(CastBallot("item-1", voter("p-alice"), "agree", "agree"))
    await world.handle(CastBallot("item-2", voter("p-alice"), "agree", "disagree"))
    await world.handle(CastBallot("item-3", voter("p-alice"), "support", "support"))
    await world.handle(CastBallot("item-4", voter("p-bob"), "agree", "agree"))
    # only her agree/disagree ballots count: a support is another kind, Bob's are his
    assert await served(world, "p-alice", pools) == VISIBLE - {"item-1", "item-2"}
    assert await served(world, "p-bob", pools) == VISIBLE - {"item-4"}
    await world.handle(WithdrawBallot("item-2", voter("p-alice"), "agree"))
    assert await served(world, "p-alice", pools) == VISIBLE - {"item-1"}


async def test_the_pools_follow_the_items_once_the_store_moved(world: World) -> None:
    pools = PhasePools(world.store, world.items)
    assert await served(world, "p-alice", pools) == VISIBLE
    world.items.add(PublishedItem("item-late", CID, "author-9", "2026-11-30T10:00:00Z"))
    # a quick computation (a few items) is made again when the store moved: a ballot
    await world.handle(CastBallot("item-0", voter("p-bob"), "agree", "agree"))
    assert await served(world, "p-alice", pools) == VISIBLE | {"item-late"}
