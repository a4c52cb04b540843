"""Runs leave the request path here.

- `RunJob`, a process manager over `synthesis.events`: each `ThemeRunRequested`
  it is handed is executed in a task of its own (the clustering itself in a
  thread), and recorded once (the append expects version 1).
- `run_jobs` (`parlons synthesis-jobs`, like `parlons retention`): executes runs
  still pending (a process stopped mid-run), requests the scheduled incremental
  runs (PARLONS_SYNTHESIS_SCHEDULE_MINUTES, 0 = off: a consultation whose
  published input moved since its latest run gets an update that often), and
  sends the follow-up e-mail digests."""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from services.core.clock import Clock
from services.core.envelope import Actor, Envelope
from services.core.events import Meta
from services.core.ids import new_id
from services.core.process import ProcessManager
from services.core.values import parse_iso
from services.eventlog.port import EventLog
from services.store.port import ReadStore
from services.synthesis.runs.commands import ExecuteThemeRun, RequestThemeRun
from services.synthesis.runs.corpus import ALL, POSITION
from services.synthesis.runs.handlers import execute_theme_run, request_theme_run
from services.synthesis.runs.scope import RunScope
from services.synthesis.runs.tables import PENDING, RUNS

log = logging.getLogger("parlons.synthesis")
JOB_ACTOR = Actor(id="synthesis-job", role="system")


def schedule_minutes() -> int:
    raw = os.environ.get("PARLONS_SYNTHESIS_SCHEDULE_MINUTES", "0")
    return int(raw) if raw.isdecimal() else 0


def execute_command(event: Envelope) -> ExecuteThemeRun:
    d = event.data
    return ExecuteThemeRun(d["run_id"], d["consultation_id"], d["mode"], d["base_run_id"],
                           d["n_themes"], d["seed"], RunScope.from_data(d.get("scope")))


class RunJob(ProcessManager):
    name = "synthesis.run_job"
    topics = ("synthesis.events",)

    def __init__(self, log: EventLog, store: ReadStore, clock: Clock) -> None:
        self.log, self.store, self.clock = log, store, clock
        self._tasks: set[asyncio.Task[None]] = set()

    async def handle(self, events: Sequence[Envelope]) -> None:
        todo = [execute_command(e) for e in events if e.type == "synthesis.ThemeRunRequested"]
        for cmd in todo:  # the worker commits the batch while they run
            task = asyncio.get_running_loop().create_task(self._execute(cmd))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _execute(self, cmd: ExecuteThemeRun) -> None:
        try:
            await execute_theme_run(cmd, log=self.log, store=self.store, clock=self.clock,
                                    meta=Meta(actor=JOB_ACTOR))
        except Exception:  # the run stays pending; `parlons synthesis-jobs` retries it
            log.exception("theme run failed", extra={"run_id": cmd.run_id})

    async def idle(self) -> None:
        """Wait for the runs started so far (tests)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)


async def run_pending(*, log: EventLog, store: ReadStore, clock: Clock) -> int:
    """Execute every run still pending; returns how many were recorded."""
    done = 0
    async for _, _, doc in store.scan(PENDING):
        run = await store.get(RUNS, doc["consultation_id"], doc["run_id"])
        if run is None:
            continue
        cmd = ExecuteThemeRun(run["run_id"], run["consultation_id"], run["mode"],
                              run["base_run_id"], run["n_themes"], run["seed"],
                              RunScope.from_data(run.get("scope")))
        done += await execute_theme_run(cmd, log=log, store=store, clock=clock,
                                        meta=Meta(actor=JOB_ACTOR))
    return done


async def request_scheduled_runs(*, log: EventLog, store: ReadStore, clock: Clock,
                                 minutes: int) -> list[str]:
    """An incremental run for each consultation and scope whose latest run is
    older than `minutes` and whose published input has moved since (the
    consultation's: a scope's own share is not counted apart); returns their ids."""
    if minutes <= 0:
        return []
    latest: dict[tuple[str, str], dict[str, Any]] = {}
    async for cid, _, run in store.scan(RUNS):
        at = (cid, RunScope.from_data(run.get("scope")).key)
        if at not in latest or run.get("requested_at", "") > latest[at].get("requested_at", ""):
            latest[at] = run
    due = clock.now() - timedelta(minutes=minutes)
    started = []
    for (cid, _), run in sorted(latest.items()):
        if run.get("status") != "done" or parse_iso(run["requested_at"]) > due:
            continue
        position = await store.get(POSITION, ALL, cid) or {"events": 0}
        if position["events"] == run.get("input_position", {}).get("corpus_events"):
            continue
        run_id = new_id()
        await request_theme_run(RequestThemeRun(run_id, cid, "synthesis-job", "incremental",
                                                seed=run["seed"],
                                                scope=RunScope.from_data(run.get("scope"))),
                                log=log, store=store, clock=clock, meta=Meta(actor=JOB_ACTOR))
        started.append(run_id)
    return started

