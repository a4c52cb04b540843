"""The periodic freeze waits for the workers to catch up, asking their lag one at a
time up to the first that lags: under load one query per round, not one per worker
(ADR 0087)."""

from __future__ import annotations

from typing import Any, cast

from services.runtime.cli import _all_caught_up


class FakeWorker:
    def __init__(self, lag: int, subscribed: bool = True) -> None:
        self._lag, self.subscribed, self.asked = lag, subscribed, 0

    async def lag(self) -> int:
        self.asked += 1
        return self._lag


async def test_stops_at_the_first_worker_that_lags() -> None:
    workers = [FakeWorker(0), FakeWorker(12), FakeWorker(0), FakeWorker(3)]
    assert not await _all_caught_up(cast(Any, workers))
    assert [w.asked for w in workers] == [1, 1, 0, 0]


async def test_caught_up_when_every_worker_is_at_zero() -> None:
    workers = [FakeWorker(0) for _ in range(3)]
    assert await _all_caught_up(cast(Any, workers))
    assert [w.asked for w in workers] == [1, 1, 1]


async def test_not_caught_up_before_every_worker_subscribed() -> None:
    workers = [FakeWorker(0), FakeWorker(0, subscribed=False)]
    assert not await _all_caught_up(cast(Any, workers))
    assert [w.asked for w in workers] == [0, 0]
