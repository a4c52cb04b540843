"""loadtests/: the profiles' arithmetic (in this process: locust itself is never
imported here, its gevent patches would reach every other test), and a smoke run
of `python -m loadtests.run`: the embedded platform started on a fresh folder,
each scenario a few seconds headless, reports written, no request failed."""

from __future__ import annotations

import csv
import importlib.util
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest
from harness.processes import ROOT


def profiles() -> ModuleType:
    spec = importlib.util.spec_from_file_location("profiles", ROOT / "loadtests" / "profiles.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["profiles"] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def test_grand_debat_day_plays_250000_contributions_in_two_days_peaking_in_the_evening(
) -> None:
    p = profiles()
    per_hour = [p.contributions_per_second(h) * 3600 for h in range(24)]
    assert round(sum(per_hour) * p.DAYS) == 250_000
    assert max(range(24), key=lambda h: per_hour[h]) in (20, 21, 22)
    assert min(range(24), key=lambda h: per_hour[h]) in range(1, 6)
    day = p.GrandDebatDay(scale=2.0, day_seconds=24.0)
    assert day.duration == 48.0 and day.users_at(48.0) is None
    contributors, readers = day.users_at(21.5)  # 21 h 30 of the first day
    expected = p.contributions_per_second(21, 2.0) / day.per_contributor
    assert contributors == pytest.approx(expected, abs=1) and readers == 2 * contributors


def test_vote_spike_is_fifty_times_the_base_for_a_minute() -> None:
    spike = profiles().VoteSpike(base=0.5)
    assert spike.ballots_per_second(10) == 0.5
    assert spike.ballots_per_second(spike.before + 30) == 25.0
    assert spike.ballots_per_second(spike.before + 60) == 0.5
    assert spike.ballots_per_second(spike.duration) is None
    assert spike.voters_at(spike.before + 1) == 50 * spike.voters_at(0)


@pytest.mark.slow
def test_every_scenario_runs_headless_against_the_embedded_platform_without_failure(
        tmp_path: Path) -> None:
    out = tmp_path / "reports"
    env = {**os.environ, "LOADTEST_DAY_SECONDS": "2", "LOADTEST_SPIKE_BEFORE": "1",
           "LOADTEST_SPIKE_SECONDS": "2", "LOADTEST_SPIKE_FACTOR": "4"}
    done = subprocess.run(
        [sys.executable, "-m", "loadtests.run", "--users", "3", "--seconds", "3",
         "--out", str(out), "--data", str(tmp_path / "data")],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]
    for name in ("browsing", "participant", "grand_debat", "vote_spike"):
        assert (out / f"{name}.html").exists(), name
        with (out / f"{name}_stats.csv").open() as f:
            rows = {r["Name"]: r for r in csv.DictReader(f)}
        assert int(rows["Aggregated"]["Request Count"]) > 0, name
        assert int(rows["Aggregated"]["Failure Count"]) == 0, name
    with (out / "participant_stats.csv").open() as f:
        journey = {r["Name"] for r in csv.DictReader(f)}
    assert {"/participer/anonyme [POST]", "/api/items/{item_id}/ballot",
            "/api/contributions/{contribution_id}/withdraw"} <= journey
    assert "| vote_spike |" in (out / "summary.md").read_text()
