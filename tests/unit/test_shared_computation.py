"""A computation made once per change of what it reads and shared by the
requests (services/core/shared_computation.py, ADR 0039): a fake computation
counting its runs, a fake marker and a fake monotonic clock."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from typing import Any

import pytest

from services.core.shared_computation import Policy, SharedComputations

POLICY = Policy(quick_s=1.0, gap_s=30.0)


class World:
    """The opinions' position, the clock, and a computation taking `seconds` of
    the clock (or failing), counting its runs."""

    def __init__(self, seconds: float = 0.1) -> None:
        self.position: int | None = 0
        self.clock = 1000.0
        self.seconds = seconds
        self.runs = 0
        self.fails = False
        self.release: asyncio.Event | None = None  # set: the computation waits for it

    async def compute(self, cid: str) -> dict[str, Any]:
        self.runs += 1
        seen = self.position
        if self.release is not None:
            await self.release.wait()
        await asyncio.sleep(0)
        self.clock += self.seconds
        if self.fails:
            raise RuntimeError("analysis failed")
        return {"cid": cid, "seen": seen}

    async def marker(self, _: str) -> tuple[Any, ...] | None:
        return None if self.position is None else (self.position,)

    def cache(self, policy: Policy = POLICY) -> SharedComputations[dict[str, Any]]:
        return SharedComputations("test", self.compute, self.marker, policy,
                                  now=lambda: datetime.now(UTC), monotonic=lambda: self.clock)


async def test_views_while_nothing_moved_share_one_computation() -> None:
    world = World()
    cache = world.cache()
    first = await cache.shown("c1")
    again = await cache.shown("c1")
    assert world.runs == 1
    assert again.kept is first.kept and not again.behind


async def test_concurrent_views_wait_for_one_computation() -> None:
    world = World()
    world.release = asyncio.Event()
    cache = world.cache()
    views = [asyncio.create_task(cache.shown("c1")) for _ in range(5)]
    await asyncio.sleep(0.01)
    world.release.set()
    shown = await asyncio.gather(*views)
    assert world.runs == 1
    assert len({id(s.kept) for s in shown}) == 1


async def test_a_quick_computation_is_made_again_once_the_opinions_moved() -> None:
    world = World(seconds=0.2)
    cache = world.cache()
    await cache.shown("c1")
    world.position = 1
    shown = await cache.shown("c1")
    assert world.runs == 2
    assert shown.kept.value["seen"] == 1 and not shown.behind


async def test_a_long_computation_is_shown_behind_then_refreshed_in_the_background() -> None:
    world = World(seconds=5.0)
    cache = world.cache()
    first = await cache.shown("c1")
    world.position = 1
    behind = await cache.shown("c1")
    # within the gap: the kept one, nothing started
    assert behind.kept is first.kept and behind.behind and not behind.refreshing
    assert behind.next_in == POLICY.gap_s
    assert world.runs == 1

    world.clock += POLICY.gap_s
    world.release = asyncio.Event()
    started = await cache.shown("c1")
    assert started.kept is first.kept and started.behind and started.refreshing
    await asyncio.sleep(0.01)
    again = await cache.shown("c1")  # while it runs: no second one
    assert again.refreshing and world.runs == 2
    world.release.set()
    for _ in range(10):
        await asyncio.sleep(0)
    fresh = await cache.shown("c1")
    assert fresh.kept.value["seen"] == 1 and not fresh.behind
    assert world.runs == 2


async def test_the_gap_grows_with_the_computation_s_length() -> None:
    world = World(seconds=100.0)
    cache = world.cache()
    await cache.shown("c1")
    world.position = 1
    world.clock += POLICY.gap_s
    shown = await cache.shown("c1")
    assert not shown.refreshing and shown.next_in == 200 - POLICY.gap_s


async def test_a_failed_background_computation_keeps_the_last_one_shown(
        caplog: pytest.LogCaptureFixture) -> None:
    world = World(seconds=5.0)
    cache = world.cache()
    first = await cache.shown("c1")
    world.position, world.fails = 1, True
    world.clock += POLICY.gap_s
    with caplog.at_level(logging.ERROR, logger="parlons.shared_computation"):
        assert (await cache.shown("c1")).refreshing
        for _ in range(10):
            await asyncio.sleep(0)
    assert "background computation failed" in caplog.text
    kept = await cache.shown("c1")
    assert kept.kept is first.kept and kept.behind and world.runs == 2


async def test_a_failed_first_computation_fails_the_view_and_is_not_kept() -> None:
    world = World()
    world.fails = True
    cache = world.cache()
    with pytest.raises(RuntimeError):
        await cache.shown("c1")
    world.fails = False
    assert (await cache.shown("c1")).kept.value["cid"] == "c1"
    assert world.runs == 2


async def test_keys_are_kept_apart_and_bounded() -> None:
    world = World()
    cache = world.cache(Policy(quick_s=1.0, gap_s=30.0, entries=2))
    for cid in ("c1", "c2", "c1", "c3"):  # c2 is the least recently shown when c3 comes
        assert (await cache.shown(cid)).kept.value["cid"] == cid
    assert world.runs == 3
    await cache.shown("c1")
    assert world.runs == 3
    await cache.shown("c2")
    assert world.runs == 4


async def test_a_marker_that_cannot_tell_always_counts_as_moved() -> None:
    world = World()
    cache = world.cache()

    world.position = None  # a store that cannot tell (ReadStore.changes)
    await cache.shown("c1")
    await cache.shown("c1")
    assert world.runs == 2


async def test_a_small_result_is_made_again_however_long_it_took() -> None:
    """`small` says a result is cheap whatever a loaded machine made its time."""
    world = World(seconds=5.0)
    cache = SharedComputations("test", world.compute, world.marker, POLICY,
                               small=lambda value: value["seen"] < 1,
                               monotonic=lambda: world.clock)
    await cache.shown("c1")
    world.position = 1
    shown = await cache.shown("c1")  # the kept one was small: made again at once
    assert world.runs == 2 and shown.kept.value["seen"] == 1 and not shown.behind
    world.position = 2
    behind = await cache.shown("c1")  # this one is not
    assert world.runs == 2 and behind.behind
