"""The scheduler of the distributed topology (ADR 0034), on the memory log with
the schemas validated: one run per job and slot whatever the number of
schedulers, a new run in the next slot, no second start of a job still running,
and an outage of the log tried again at the next tick."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from services.core.clock import FixedClock
from services.core.errors import EventLogUnavailable
from services.core.schema_registry import SchemaRegistry
from services.eventlog.memory import MemoryEventLog
from services.eventlog.port import EventLog, read_all
from services.runtime.metrics import Metrics
from services.runtime.scheduler import Schedule, Scheduler
from services.runtime.validating_log import ValidatingEventLog

T0 = datetime(2026, 12, 4, 20, 0, 5, tzinfo=UTC)
PLAN = [Schedule("freeze-results", 60, ("freeze-results",)),
        Schedule("retention", 3600, ("retention",))]


def validated() -> EventLog:
    registry = SchemaRegistry()
    return ValidatingEventLog(MemoryEventLog(key_for=registry.key), registry=registry,
                              metrics=Metrics(), validate=True)


class Jobs:
    def __init__(self) -> None:
        self.ran: list[str] = []
        self.release = asyncio.Event()
        self.release.set()

    async def run(self, schedule: Schedule) -> int:
        self.ran.append(schedule.job)
        await self.release.wait()
        return 0


async def test_three_replicas_run_each_job_once_per_slot_then_again_next_slot() -> None:
    log, clock, jobs = validated(), FixedClock(T0), Jobs()
    replicas = [Scheduler(log, clock, PLAN, run=jobs.run, by=f"s{n}") for n in range(3)]
    for s in replicas:
        await s.tick()
    for s in replicas:
        await s.wait_idle()
    assert sorted(jobs.ran) == ["freeze-results", "retention"]

    clock.advance(timedelta(seconds=60))  # a new minute, the same hour
    await asyncio.gather(*(s.tick() for s in replicas))
    for s in replicas:
        await s.wait_idle()
    assert sorted(jobs.ran) == ["freeze-results", "freeze-results", "retention"]
    claims = [r.event async for r in read_all(log, "runtime.events")]
    assert [c.type for c in claims] == ["runtime.ScheduledRunClaimed"] * 3
    assert all(c.actor.role == "system" and c.data["by"] in {"s0", "s1", "s2"}
               for c in claims)


async def test_a_job_still_running_is_not_started_again_in_the_next_slot() -> None:
    log, clock, jobs = validated(), FixedClock(T0), Jobs()
    scheduler = Scheduler(log, clock, PLAN[:1], run=jobs.run, by="s0")
    jobs.release.clear()  # the first run hangs
    assert await scheduler.tick() == ["freeze-results"]
    await asyncio.sleep(0)
    clock.advance(timedelta(seconds=60))
    assert await scheduler.tick() == []
    jobs.release.set()
    await scheduler.wait_idle()
    clock.advance(timedelta(seconds=60))
    assert await scheduler.tick() == ["freeze-results"]
    await scheduler.wait_idle()
    assert jobs.ran == ["freeze-results", "freeze-results"]


class DownLog(MemoryEventLog):
    down = True

    async def append(self, *args: object, **kwargs: object):  # type: ignore[no-untyped-def]
        if self.down:
            raise EventLogUnavailable("broker down")
        return await super().append(*args, **kwargs)  # type: ignore[arg-type]


async def test_an_outage_of_the_log_is_tried_again_at_the_next_tick() -> None:
    log, clock, jobs = DownLog(), FixedClock(T0), Jobs()
    scheduler = Scheduler(log, clock, PLAN[:1], run=jobs.run, by="s0")
    assert await scheduler.tick() == []
    log.down = False
    assert await scheduler.tick() == ["freeze-results"]  # same slot, now claimed
    await scheduler.wait_idle()
    assert jobs.ran == ["freeze-results"]
