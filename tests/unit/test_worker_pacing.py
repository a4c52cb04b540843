"""A projection whose every batch has a fixed cost (`batch_every`, the search
indexer's index commit) starts its batches that far apart after a heavy batch, and
never waits under a light load nor when it is behind (ADR 0087)."""

from __future__ import annotations

import asyncio
from typing import Any

from test_worker import (
    TOPIC,
    TallyProjection,
    dump,
    event,
    make_worker,
    metric,
    stop_after_idle_polls,
    until_tallied,
)

from services.eventlog.memory import MemoryEventLog
from services.store.memory import MemoryReadStore


class PacedTally(TallyProjection):
    batch_every = 0.25


async def pauses_of(projection: TallyProjection, rounds: list[int],
                    **tuning: float) -> tuple[list[float], MemoryReadStore]:
    """The pauses the running loop made while it projected `rounds` (each a number of
    events appended at once, after the previous round was projected)."""
    log, store = MemoryEventLog(), MemoryReadStore()
    worker, _, sleep = make_worker(projection, log, store, **tuning)
    task = asyncio.create_task(worker.run())
    total = 0
    for round_, count in enumerate(rounds):
        await log.append([event(f"s{round_}-{i}", 1) for i in range(count)])
        total += count
        await until_tallied(store, total)
    await stop_after_idle_polls(worker, task)
    assert (await store.get("tallies", "all", "total")) == {"n": total}
    return sleep.delays, store


async def test_after_a_heavy_batch_the_next_one_starts_batch_every_later() -> None:
    delays, _ = await pauses_of(PacedTally(), [5, 5], paced_batch=4, batch_size=100)
    # one pause after each heavy batch (5 records >= 4, not full)
    assert len(delays) == 2 and all(0.2 < d <= 0.25 for d in delays), delays


async def test_a_worker_behind_never_waits() -> None:
    delays, _ = await pauses_of(PacedTally(), [10], paced_batch=4, batch_size=5)
    assert delays == []  # full batches


async def test_small_batches_never_wait() -> None:
    # a person's actions, one after the other
    delays, store = await pauses_of(PacedTally(), [2] * 5, paced_batch=4)
    assert delays == []
    assert len(await dump(store)) == 11  # ten streams and the total


async def test_a_projection_without_batch_every_never_waits() -> None:
    delays, _ = await pauses_of(TallyProjection(), [5] * 3, paced_batch=4, batch_size=100)
    assert delays == []


async def test_a_drain_with_run_once_never_waits() -> None:
    log, store = MemoryEventLog(), MemoryReadStore()
    worker, _, sleep = make_worker(PacedTally(), log, store, paced_batch=4, batch_size=100)
    sub = await log.subscribe("test.tally", [TOPIC])
    for round_ in range(3):
        await log.append([event(f"s{round_}-{i}", 1) for i in range(12)])
        assert await worker.run_once(sub) == 12  # heavy and busy
    assert sleep.delays == []


class CountingLag:
    """Wraps a subscription; counts the lag readings (each a query in the log)."""

    def __init__(self, inner: Any) -> None:
        self.inner, self.readings = inner, 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    async def lag(self) -> int:
        self.readings += 1
        return int(await self.inner.lag())


async def test_heavy_batches_read_the_lag_once_a_second_and_the_idle_poll_after_them() -> None:
    log, store = MemoryEventLog(), MemoryReadStore()
    await log.append([event(f"s{i}", 1) for i in range(20)])
    worker, metrics, _ = make_worker(TallyProjection(), log, store, paced_batch=4, batch_size=5)
    sub = CountingLag(await log.subscribe("test.tally", [TOPIC]))

    assert [await worker.run_once(sub) for _ in range(4)] == [5, 5, 5, 5]
    assert sub.readings == 1  # the first batch's; the next three within the second
    assert metric(metrics, "parlons_consumer_lag") == 15
    assert await worker.run_once(sub) == 0  # idle: a lag seen above zero is read again
    assert sub.readings == 2
    assert metric(metrics, "parlons_consumer_lag") == 0


class BulkTally(TallyProjection):
    catch_up_batch = 12


async def test_a_projection_catches_up_in_its_own_larger_batches() -> None:
    """ADR 0132: behind, a worker reads `catch_up_batch` records at once where that
    is more than its batch size, and still never waits after a full one; a smaller
    `catch_up_batch` leaves the worker's batch size."""
    log, store = MemoryEventLog(), MemoryReadStore()
    await log.append([event(f"s{i}", 1) for i in range(30)])
    worker, _, _ = make_worker(BulkTally(), log, store, batch_size=5)
    sub = await log.subscribe("test.tally", [TOPIC])
    assert [await worker.run_once(sub) for _ in range(4)] == [12, 12, 6, 0]

    class SmallerTally(TallyProjection):
        catch_up_batch = 3

    log, store = MemoryEventLog(), MemoryReadStore()
    await log.append([event(f"s{i}", 1) for i in range(7)])
    worker, _, _ = make_worker(SmallerTally(), log, store, batch_size=5)
    sub = await log.subscribe("test.tally", [TOPIC])
    assert [await worker.run_once(sub) for _ in range(2)] == [5, 2]


class PacedBulk(PacedTally):
    catch_up_batch = 12


async def test_behind_is_a_full_catch_up_batch() -> None:
    delays, _ = await pauses_of(PacedBulk(), [24], paced_batch=4, batch_size=5)
    assert delays == []  # two full batches of 12: behind
    delays, _ = await pauses_of(PacedBulk(), [8], paced_batch=4, batch_size=5)
    assert len(delays) == 1  # 8 of 12: heavy, not behind (more than the worker's 5)
