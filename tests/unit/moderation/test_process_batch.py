"""The automatic moderation process manager works per batch: one append for the
checks of a whole batch, a partly redelivered batch still ends with exactly one
check per contribution, and a batch whose transaction failed leaves nothing behind."""

from __future__ import annotations

from collections import Counter

from deposit.world import CID, World, participant

from services.core.projection import project_batch
from services.deposit.commands import SubmitProposal
from services.moderation.process import AutoModeration
from services.store.memory import MemoryReadStore


async def submitted(world: World, *bodies: str) -> list:  # type: ignore[type-arg]
    for n, body in enumerate(bodies):
        await world.handle(SubmitProposal(f"k{n}", CID, participant(f"p-{n}"), "Titre", body))
    return [e for e in await world.events() if e.type == "deposit.ProposalSubmitted"]


async def checks(world: World) -> Counter[str]:
    return Counter(e.data["contribution_id"] for e in await world.events("moderation.events")
                   if e.type == "moderation.ContributionChecked")


async def test_a_batch_appends_all_its_checks_in_one_call() -> None:
    world = await World().setup()
    events = await submitted(world, "Des pistes cyclables.", "Plus de bancs.", "Un marché bio.")
    appends: list[int] = []
    inner_append = world.log.append

    async def counting(batch, *, expect=None):  # type: ignore[no-untyped-def]
        appends.append(len(batch))
        return await inner_append(batch, expect=expect)

    world.log.append = counting  # type: ignore[method-assign]
    await project_batch(AutoModeration(world.log, world.clock), events, world.store)
    assert appends == [3]
    assert await checks(world) == {"k0": 1, "k1": 1, "k2": 1}


async def test_a_partly_redelivered_batch_checks_each_contribution_once() -> None:
    world = await World().setup()
    events = await submitted(world, "Des pistes cyclables.", "Plus de bancs.", "Un marché bio.")
    # the middle one was checked by an earlier process whose guards were lost
    await project_batch(AutoModeration(world.log, world.clock), events[1:2], MemoryReadStore())
    await project_batch(AutoModeration(world.log, world.clock), events, world.store)
    assert await checks(world) == {"k0": 1, "k1": 1, "k2": 1}


async def test_a_batch_that_failed_before_its_end_appends_nothing_later() -> None:
    world = await World().setup()
    events = await submitted(world, "Des pistes cyclables.", "Plus de bancs.")
    auto = AutoModeration(world.log, world.clock)
    async with MemoryReadStore().transaction() as tx:  # a batch that dies after one event
        await auto.apply(events[0], tx)
    await project_batch(auto, events[1:], world.store)  # the next batch, a new transaction
    assert await checks(world) == {"k1": 1}  # k0 is redelivered later, not checked here
