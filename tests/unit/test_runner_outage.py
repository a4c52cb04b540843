"""The runner's supervisor: a worker loop stopped because the log could not be
polled is an outage (counted as transient, restarted), not a handler error."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path

from services.core.errors import EventLogUnavailable
from services.eventlog.memory import MemoryEventLog
from services.eventlog.port import Batch, Subscription
from services.runtime.bootstrap import bootstrap
from services.runtime.runner import running
from services.runtime.settings import Settings
from services.store.memory import MemoryReadStore


class LogDownAtFirst(MemoryEventLog):
    """Each group's first poll fails as a log that went away."""

    def __init__(self) -> None:
        super().__init__()
        self.failed: set[str] = set()

    async def subscribe(self, group: str, topics: Sequence[str]) -> Subscription:
        inner, failed = await super().subscribe(group, topics), self.failed

        class Flaky(Subscription):
            async def poll(self, *, max_records: int = 500, timeout: float = 1.0) -> Batch:
                if group not in failed:
                    failed.add(group)
                    raise EventLogUnavailable("event log read failed: disk I/O error")
                return await inner.poll(max_records=max_records, timeout=timeout)

            async def commit(self, batch: Batch) -> None:
                await inner.commit(batch)

            async def lag(self) -> int:
                return await inner.lag()

            async def close(self) -> None:
                await inner.close()

        return Flaky()


async def test_a_worker_stopped_by_an_outage_is_restarted_and_counted_as_transient(
    tmp_path: Path,
) -> None:
    settings = Settings(data_dir=tmp_path, worker_poll_timeout=0.01, worker_backoff_max=0.01)
    log = LogDownAtFirst()
    container = bootstrap(settings, log=log, store=MemoryReadStore(),
                          services=["consultation"])
    metrics = container.metrics.registry
    async with running(container):
        groups = [w.group for w in container.built_workers]
        deadline = asyncio.get_running_loop().time() + 5
        while not (len(log.failed) == len(groups)
                   and all(w.subscribed for w in container.built_workers)):
            assert asyncio.get_running_loop().time() < deadline, "no worker came back"
            await asyncio.sleep(0.01)
    for group in groups:
        labels = {"subscription": group}
        assert metrics.get_sample_value("parlons_transient_errors_total", labels) == 1
        assert not metrics.get_sample_value("parlons_handler_errors_total", labels)
