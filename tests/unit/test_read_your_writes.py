"""The back office's read-your-writes wait (`WebDeps.settle`): after a command,
the redirected page must see its effect even when a projection is slow. The
lag gauge is only refreshed after a worker's poll, so it may still read 0 while
the worker is mid-batch; the wait must ask the log."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest

from services.consultation.commands import CreateConsultation
from services.consultation.projections import CATALOGUE
from services.core.envelope import Actor
from services.core.events import Meta
from services.runtime import front
from services.runtime.bootstrap import bootstrap
from services.runtime.front import web_deps
from services.runtime.runner import running
from services.runtime.settings import Settings


def slowed(transaction: Any, seconds: float) -> Any:
    """The store's transaction, each one taking `seconds` longer (a busy disk)."""
    @asynccontextmanager
    async def slow() -> AsyncIterator[Any]:
        async with transaction() as tx:
            await asyncio.sleep(seconds)
            yield tx
    return slow


async def test_settle_waits_for_a_slow_projection_to_show_the_write() -> None:
    container = bootstrap(Settings(event_log="memory", read_store="memory",
                                   worker_poll_timeout=1.0))
    async with running(container):
        deps = web_deps(container)
        await asyncio.sleep(0.2)  # workers subscribed, gauges at 0
        container.store.transaction = slowed(container.store.transaction, 0.3)  # type: ignore[method-assign]
        await container.handle(CreateConsultation("c1", "Plan vélo", "plan-velo"),
                               Meta(actor=Actor(id="orga", role="organiser")))
        await deps.settle()
        rows = [key async for _, key, _ in container.store.scan(CATALOGUE)]
        assert "c1" in rows


async def test_a_stopped_worker_reports_no_lag() -> None:
    container = bootstrap(Settings(event_log="memory", read_store="memory"))
    [worker, *_] = container.workers()
    assert await worker.lag() == 0


def test_a_deployed_worker_reads_batches_of_a_thousand() -> None:
    # Under a proposal load the projections process is behind and reads full
    # batches; 1,000 rather than 500 cost it 6-9 % less CPU per proposal (ADR 0096).
    container = bootstrap(Settings(event_log="memory", read_store="memory"))
    assert {w._tuning.batch_size for w in container.workers()} == {1000}


async def test_settle_waits_for_the_write_not_for_the_writes_after_it(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # Under a steady load the workers are never at lag 0: a wait for that held
    # every form for its whole bound (ADR 0036). The bound is lifted here, so a
    # wait for lag 0 would last as long as the load.
    monkeypatch.setattr(front, "SETTLE_MAX_SECONDS", 120.0)
    container = bootstrap(Settings(event_log="memory", read_store="memory",
                                   worker_poll_timeout=1.0))
    organiser = Meta(actor=Actor(id="orga", role="organiser"))
    async with running(container):
        deps = web_deps(container)
        await asyncio.sleep(0.2)  # workers subscribed
        container.store.transaction = slowed(container.store.transaction, 0.02)  # type: ignore[method-assign]
        load_on = asyncio.Event()
        load_on.set()

        async def other_organisers() -> None:
            n = 0
            while load_on.is_set():
                n += 1
                await container.handle(CreateConsultation(f"c-other{n}", f"Autre {n}",
                                                          f"autre-{n}"), organiser)
                await asyncio.sleep(0.005)

        load = asyncio.create_task(other_organisers())
        try:
            await asyncio.sleep(0.3)  # the workers behind
            await container.handle(CreateConsultation("c1", "Plan vélo", "plan-velo"), organiser)
            await asyncio.wait_for(deps.settle(), 20)
            assert load_on.is_set() and not load.done()  # it ended under the load
            rows = [key async for _, key, _ in container.store.scan(CATALOGUE)]
            assert "c1" in rows
        finally:
            load_on.clear()
            await load
