"""A projection whose every batch has a fixed cost (`batch_every`, the search
indexer's index commit) starts its batches that far apart after a heavy batch, and
never waits under a light load nor when it is behind (ADR 0087)."""

from __future__ import annotations

from typing import Any

from test_worker import TOPIC, TallyProjection, dump, event, make_worker, metric

from services.eventlog.memory import MemoryEventLog
from services.store.memory import MemoryReadStore


class PacedTally(TallyProjection):
    batch_every = 0.25


async def test_after_a_heavy_batch_the_next_one_starts_batch_every_later() -> None:
    log, store = MemoryEventLog(), MemoryReadStore()
    worker, _, sleep = make_worker(PacedTally(), log, store, paced_batch=4, batch_size=100)
    sub = await log.subscribe("test.tally", [TOPIC])

    await log.append([event(f"s{i}", 1) for i in range(5)])
    assert await worker.run_once(sub) == 5  # heavy: 5 records >= 4, not full
    assert sleep.delays == []
    await log.append([event(f"t{i}", 1) for i in range(5)])
    assert await worker.run_once(sub) == 5
    assert len(sleep.delays) == 1 and 0.2 < sleep.delays[0] <= 0.25  # the pause before it
    assert (await store.get("tallies", "all", "total")) == {"n": 10}


async def test_a_worker_behind_never_waits() -> None:
    log, store = MemoryEventLog(), MemoryReadStore()
    await log.append([event(f"s{i}", 1) for i in range(10)])
    worker, _, sleep = make_worker(PacedTally(), log, store, paced_batch=4, batch_size=5)
    sub = await log.subscribe("test.tally", [TOPIC])
    assert [await worker.run_once(sub) for _ in range(3)] == [5, 5, 0]  # full batches
    assert sleep.delays == []


async def test_small_batches_never_wait() -> None:
    log, store = MemoryEventLog(), MemoryReadStore()
    worker, _, sleep = make_worker(PacedTally(), log, store, paced_batch=4)
    sub = await log.subscribe("test.tally", [TOPIC])
    for i in range(5):  # a person's actions, one after the other
        await log.append([event(f"s{i}", 1), event(f"s{i}", 2)])
        assert await worker.run_once(sub) == 2
    assert sleep.delays == []
    assert len(await dump(store)) == 6  # five streams and the total


async def test_a_projection_without_batch_every_never_waits() -> None:
    log, store = MemoryEventLog(), MemoryReadStore()
    worker, _, sleep = make_worker(TallyProjection(), log, store, paced_batch=4,
                                   batch_size=100)
    sub = await log.subscribe("test.tally", [TOPIC])
    for round_ in range(3):
        await log.append([event(f"s{round_}-{i}", 1) for i in range(5)])
        assert await worker.run_once(sub) == 5
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
