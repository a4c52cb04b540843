"""Runs a container: start the adapters, supervise the projection workers, and
on the way out stop the workers gracefully (each finishes and commits its
batch, within a bounded wait) before closing the adapters.

A worker that finds the log behind what it has seen (`LogBehind`, ADR 0032) is
not restarted: every worker of the process stops, the `parlons_log_behind` gauge
goes to 1, an error log says where, and `container.halted` is set (a worker
process then exits with code 3). Projecting the log as it now is over read
models built from the lost one would hide the loss; an operator decides
(restore the log, or rebuild the read models: `parlons verify` shows what
differs)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from services.runtime.amnesia import LogBehind
from services.runtime.bootstrap import Container
from services.runtime.faults import describe, is_transient
from services.runtime.worker import Worker

log = logging.getLogger("parlons.runner")


@asynccontextmanager
async def running(container: Container, *, workers: bool = True) -> AsyncIterator[Container]:
    await container.start()
    started = container.workers() if workers else []
    tasks = [asyncio.create_task(_supervise(w, container, started), name=f"worker:{w.group}")
             for w in started]
    try:
        yield container
    finally:
        for w in started:
            w.stop()
        if tasks:
            _, pending = await asyncio.wait(
                tasks, timeout=container.settings.worker_shutdown_timeout)
            for task in pending:  # a worker stuck beyond the bound: its batch is redelivered
                log.error("worker did not stop in time", extra={"task": task.get_name()})
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
        await container.close()


async def _supervise(worker: Worker, container: Container, every: list[Worker]) -> None:
    """Restart a worker whose loop crashed (e.g. the log went away), with a pause;
    stop them all when the log lost what one of them had seen. A poll or a commit
    the log could not serve is an outage: its batch is simply redelivered after the
    restart."""
    while not worker.stopping:
        try:
            await worker.run()
        except LogBehind as behind:
            container.metrics.log_behind.labels(subscription=worker.group).set(1)
            log.error("event log behind what this consumer has seen: workers stopped "
                      "(broker amnesia, a topic re-created, or an older log file)",
                      extra={"subscription": worker.group,
                             "drifts": [d.describe() for d in behind.drifts[:20]]})
            for w in every:
                w.stop()
            container.halted.set()
            return
        except Exception as error:
            if is_transient(error):  # the log could not be polled or committed to
                log.warning("worker stopped by an outage; restarting", extra={
                    "subscription": worker.group, "error_type": type(error).__name__,
                    "error": describe(error)})
                container.metrics.transient_errors.labels(subscription=worker.group).inc()
            else:
                log.exception("worker crashed; restarting",
                              extra={"subscription": worker.group})
                container.metrics.handler_errors.labels(subscription=worker.group).inc()
            with contextlib.suppress(TimeoutError):  # a pause a stop() can cut short
                await asyncio.wait_for(worker.wait_for_stop(),
                                       container.settings.worker_backoff_max)
