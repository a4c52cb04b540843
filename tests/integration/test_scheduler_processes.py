"""Two `parlons scheduler` processes over one SQLite log (ADR 0034): each job is
claimed once per slot between them, the claimed runs are real `parlons <job>`
subprocesses that succeed, and SIGTERM stops the schedulers cleanly."""

from __future__ import annotations

import asyncio
import json
import time
from collections import Counter
from pathlib import Path

import pytest
from harness.processes import Parlons, start_serve

from services.eventlog.port import read_all
from services.runtime.bootstrap import bootstrap
from services.runtime.settings import Settings

pytestmark = pytest.mark.slow
WAIT_S = 90.0  # seven runs ended: the five jobs, then freeze-results twice more


async def claims(data: Path) -> list[dict[str, object]]:
    container = bootstrap(Settings(data_dir=data))
    async with container:
        return [r.event.data async for r in read_all(container.log, "runtime.events")
                if r.event.type == "runtime.ScheduledRunClaimed"]


def test_two_schedulers_share_the_runs_one_per_job_and_slot(
        tmp_path: Path, processes: list[Parlons]) -> None:
    env = {"PARLONS_DATA_DIR": str(tmp_path), "PARLONS_SCHEDULE_FREEZE_RESULTS_S": "3",
           "PARLONS_SECRET_KEY": "scheduler-test", "PARLONS_IDENTITY_SECRET": "scheduler-id"}
    for n in range(2):
        processes.append(Parlons(["scheduler"], env, tmp_path / f"scheduler{n}.log"))
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline and (
            sum(p.output().count('"scheduled job ended"') for p in processes) < 7):
        time.sleep(0.5)
    for p in processes:
        assert p.stop() == 0, p.output()[-2000:]

    found = asyncio.run(claims(tmp_path))
    per_slot = Counter((str(c["job"]), int(str(c["slot"]))) for c in found)
    assert per_slot and set(per_slot.values()) == {1}, per_slot
    jobs = Counter(job for job, _ in per_slot)
    assert {"freeze-results", "synthesis-jobs", "retention", "opendata",
            "meeting-notices", "blobs-prune"} <= set(jobs)
    assert jobs["freeze-results"] >= 2  # a new slot every 3 s
    output = "".join(p.output() for p in processes)
    ended = [line for line in output.splitlines() if '"scheduled job ended"' in line]
    assert len(ended) >= 7, output[-3000:]
    assert all('"exit_code": 0' in line or '"exit_code":0' in line for line in ended), ended


def test_the_embedded_server_runs_the_periodic_jobs_itself(
        tmp_path: Path, processes: list[Parlons]) -> None:
    """`parlons serve` (embedded) runs synthesis-jobs, retention, the meeting notices,
    the blobs' pruning and the daily open data on their periods, with no cron (issue
    #18 items 5 and 6); the freeze stays its own."""
    env = {"PARLONS_DATA_DIR": str(tmp_path), "PARLONS_SERVE_JOBS_AFTER_S": "1",
           "PARLONS_SECRET_KEY": "scheduler-test", "PARLONS_IDENTITY_SECRET": "scheduler-id"}
    serve, _ = start_serve(processes, env, tmp_path / "serve.log")
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline and serve.output().count('"scheduled job ended"') < 5:
        time.sleep(0.5)
    assert serve.stop() == 0
    ended = [line for line in serve.output().splitlines() if '"scheduled job ended"' in line]
    assert sorted(json.loads(line)["job"] for line in ended) == [
        "blobs-prune", "meeting-notices", "opendata", "retention", "synthesis-jobs"], \
        serve.output()[-3000:]
    assert all(json.loads(line)["exit_code"] == 0 for line in ended)
    jobs = {str(c["job"]) for c in asyncio.run(claims(tmp_path))}
    assert jobs == {"blobs-prune", "meeting-notices", "opendata", "retention", "synthesis-jobs"}
