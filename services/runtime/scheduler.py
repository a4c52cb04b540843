"""`parlons scheduler`: the periodic jobs of the distributed topology, each run
once per period whatever the number of scheduler replicas (ADR 0034).

Time is cut into slots (whole periods since the epoch). For each job and slot,
every scheduler tries to append `runtime.ScheduledRunClaimed` as the first event
of the stream `schedule-<job>-<slot>`, expecting version 0: the log lets exactly
one append win, and only the winner runs the job. No lease to renew, no clock
agreement beyond the slot boundaries: two replicas in the same slot meet on the
same stream. A winner that dies mid-run leaves that slot unrun; every job is a
catch-up of what is due (freeze what has ended, run what is pending, delete what
expired), so the next slot does the work.

Each run is a `parlons <job>` subprocess, as a cron line or a Kubernetes CronJob
would start it: a job's memory and failures stay its own, and its exit code is
logged. A job still running when its next slot comes is not started twice.
`parlons serve` in the embedded topology runs the same scheduler in its process
for the jobs other than the freeze (which it runs itself, right after the demo's
ballots), a minute after it starts (`PARLONS_SERVE_JOBS`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import socket
import sys
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from services.core.clock import Clock
from services.core.envelope import Actor
from services.core.errors import ConcurrencyConflict, Unavailable
from services.core.events import Meta
from services.eventlog.port import EventLog, append_to
from services.runtime.events import ScheduledRunClaimed
from services.runtime.settings import Settings

log = logging.getLogger("parlons.scheduler")
STOP_GRACE_S = 30.0  # a stopping scheduler lets running jobs end this long


@dataclass(frozen=True, slots=True)
class Schedule:
    job: str  # the name recorded in the claim
    every_s: int  # period, seconds
    args: tuple[str, ...]  # `parlons` arguments that run it


def schedules(*, freeze_results_s: int, synthesis_jobs_s: int, retention_s: int,
              opendata_s: int, meeting_notices_s: int = 300,
              blobs_prune_s: int = 86400) -> list[Schedule]:
    return [Schedule("freeze-results", freeze_results_s, ("freeze-results",)),
            Schedule("synthesis-jobs", synthesis_jobs_s, ("synthesis-jobs",)),
            Schedule("retention", retention_s, ("retention",)),
            Schedule("opendata", opendata_s, ("export", "opendata", "--daily")),
            Schedule("meeting-notices", meeting_notices_s, ("meeting-notices",)),
            Schedule("blobs-prune", blobs_prune_s, ("blobs", "prune"))]


def stream_of(job: str, slot: int) -> str:
    return f"schedule-{job}-{slot}"


def scheduler_id() -> str:
    return f"{socket.gethostname()}/{os.getpid()}"


async def claim(log: EventLog, clock: Clock, job: str, slot: int, by: str) -> bool:
    """True if this scheduler won `job`'s run in `slot`."""
    try:
        await append_to(log, stream_of(job, slot), 0, [ScheduledRunClaimed(job, slot, by)],
                        clock=clock, meta=Meta(actor=Actor.system()))
    except ConcurrencyConflict:
        return False
    return True


JobRunner = Callable[[Schedule], Awaitable[int]]


async def run_subprocess(schedule: Schedule) -> int:
    """`python -m services.runtime <args>`, its output in this process's log."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "services.runtime", *schedule.args)
    try:
        return await process.wait()
    except asyncio.CancelledError:  # the scheduler stops: so does the job, cleanly
        process.terminate()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(process.wait(), STOP_GRACE_S)
        raise


class Scheduler:
    def __init__(self, log: EventLog, clock: Clock, plan: Sequence[Schedule], *,
                 run: JobRunner = run_subprocess, by: str | None = None,
                 tick_s: float = 1.0, first_after_s: float = 0.0) -> None:
        self._log, self._clock, self._plan = log, clock, list(plan)
        self._run, self._by, self._tick_s = run, by or scheduler_id(), tick_s
        self._first_after_s = first_after_s  # a pause before the first claims
        self._last: dict[str, int] = {}  # the last slot looked at, per job
        self._running: dict[str, asyncio.Task[None]] = {}
        self._stop = asyncio.Event()

    def stop(self) -> None:
        self._stop.set()

    async def serve(self) -> None:
        log.info("scheduler started", extra={"by": self._by,
                                             "jobs": [s.job for s in self._plan]})
        try:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), self._first_after_s)
            while not self._stop.is_set():
                await self.tick()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stop.wait(), self._tick_s)
        except asyncio.CancelledError:  # the host process is going: no grace
            await self._end_jobs(grace_s=0)
            raise
        await self._end_jobs(grace_s=STOP_GRACE_S)

    async def _end_jobs(self, *, grace_s: float) -> None:
        """Let running jobs end within `grace_s`, then stop what is left (their
        subprocesses are terminated)."""
        running = [t for t in self._running.values() if not t.done()]
        if running and grace_s:
            await asyncio.wait(running, timeout=grace_s)
        for task in running:
            task.cancel()
        await asyncio.gather(*running, return_exceptions=True)

    async def tick(self) -> list[str]:
        """Claim every job whose slot changed since the last tick; start the ones
        won. Returns the jobs started."""
        started = []
        now = int(self._clock.now().timestamp())
        for schedule in self._plan:
            slot = now // schedule.every_s
            if self._last.get(schedule.job) == slot:
                continue
            busy = self._running.get(schedule.job)
            if busy is not None and not busy.done():
                log.warning("job still running from an earlier slot: not started again",
                            extra={"job": schedule.job, "slot": slot})
                self._last[schedule.job] = slot
                continue
            try:
                won = await claim(self._log, self._clock, schedule.job, slot, self._by)
            except Unavailable as error:  # the log is down: try again next tick
                log.warning("cannot claim a scheduled run", extra={
                    "job": schedule.job, "error": f"{type(error).__name__}: {error}"})
                continue
            self._last[schedule.job] = slot
            if won:
                self._running[schedule.job] = asyncio.create_task(
                    self._execute(schedule, slot), name=f"job:{schedule.job}")
                started.append(schedule.job)
        return started

    async def wait_idle(self) -> None:
        """Until every job started has ended (for tests and a clean stop)."""
        await asyncio.gather(*self._running.values(), return_exceptions=True)

    async def _execute(self, schedule: Schedule, slot: int) -> None:
        log.info("scheduled job started", extra={"job": schedule.job, "slot": slot})
        try:
            code = await self._run(schedule)
        except Exception:
            log.exception("scheduled job could not run", extra={"job": schedule.job})
            return
        level = logging.INFO if code == 0 else logging.ERROR
        log.log(level, "scheduled job ended", extra={"job": schedule.job, "slot": slot,
                                                     "exit_code": code})


def plan_of(settings: Settings) -> list[Schedule]:
    return schedules(freeze_results_s=settings.schedule_freeze_results_s,
                     synthesis_jobs_s=settings.schedule_synthesis_jobs_s,
                     retention_s=settings.schedule_retention_s,
                     opendata_s=settings.schedule_opendata_s,
                     meeting_notices_s=settings.schedule_meeting_notices_s,
                     blobs_prune_s=settings.schedule_blobs_prune_s)


async def scheduler_command(settings: Settings) -> int:
    """`parlons scheduler`: until SIGINT/SIGTERM."""
    from services.runtime.bootstrap import bootstrap
    from services.runtime.runner import running

    container = bootstrap(settings, projects=False)  # its jobs write through the log
    async with running(container, workers=False):
        scheduler = Scheduler(container.log, container.clock, plan_of(settings))
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, scheduler.stop)
        await scheduler.serve()
    return 0
