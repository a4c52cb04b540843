"""The automatic moderation process manager works per batch: one append for the
checks of a whole batch, a partly redelivered batch still ends with exactly one
check per contribution, and a batch whose append failed is checked once when the
worker hands it again."""

from __future__ import annotations

from collections import Counter

import pytest
from harness.deposit_world import CID, World, participant

from services.core.errors import EventLogUnavailable
from services.deposit.commands import SubmitProposal
from services.moderation.process import AutoModeration


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
    await AutoModeration(world.log, world.clock).handle(events)
    assert appends == [3]
    assert await checks(world) == {"k0": 1, "k1": 1, "k2": 1}


async def test_a_partly_redelivered_batch_checks_each_contribution_once() -> None:
    world = await World().setup()
    events = await submitted(world, "Des pistes cyclables.", "Plus de bancs.", "Un marché bio.")
    # the middle one was checked by an earlier process that crashed before its commit
    await AutoModeration(world.log, world.clock).handle(events[1:2])
    await AutoModeration(world.log, world.clock).handle(events)
    assert await checks(world) == {"k0": 1, "k1": 1, "k2": 1}


async def test_a_batch_whose_append_failed_is_checked_once_when_handed_again() -> None:
    world = await World().setup()
    events = await submitted(world, "Des pistes cyclables.", "Plus de bancs.")
    auto = AutoModeration(world.log, world.clock)
    inner_append = world.log.append

    async def down(batch, *, expect=None):  # type: ignore[no-untyped-def]
        raise EventLogUnavailable("disk full")

    world.log.append = down  # type: ignore[method-assign]
    with pytest.raises(EventLogUnavailable):
        await auto.handle(events)
    assert await checks(world) == {}
    world.log.append = inner_append  # type: ignore[method-assign]
    await auto.handle(events)  # the worker retries the same batch
    assert await checks(world) == {"k0": 1, "k1": 1}
