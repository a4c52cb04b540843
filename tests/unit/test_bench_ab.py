"""bench/ab.py: the figures it reads from a bench's output and what it concludes."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

# bench/ is a folder of scripts, not an installed package: load the file itself
_spec = importlib.util.spec_from_file_location(
    "bench_ab", Path(__file__).resolve().parents[2] / "bench" / "ab.py")
assert _spec is not None and _spec.loader is not None
ab = importlib.util.module_from_spec(_spec)
sys.modules["bench_ab"] = ab  # its dataclass looks its module up there
_spec.loader.exec_module(ab)
DEFAULT_METRICS, Pair, figures, summary = ab.DEFAULT_METRICS, ab.Pair, ab.figures, ab.summary

VOTE_LINE = (
    "parlons  (uvicorn + SQLite log, every check):     1,882 ballots/s  p99   40.7 ms"
    "  (15057 ballots, 48 connections; 2 HTTP + 1 projections processes; server CPU"
    " 635 µs/ballot (http 542 + projections 92 µs))\n"
    "baseline (FastAPI + SQLite commit/request):      2071 ballots/s  p99   45.6 ms"
    "  (16567 ballots; 1 process; server CPU 376 µs/ballot)\n"
)


def test_the_write_benches_parlons_line_gives_its_rate_and_cpu_not_the_baselines() -> None:
    assert figures(VOTE_LINE, DEFAULT_METRICS) == {"per_s": 1882.0, "cpu_us": 635.0}


def test_a_metric_of_ones_own_is_the_first_group_of_its_first_match() -> None:
    out = "fixed workload: CPU per event, ceiling 9.6 us, group commit 29.6 us\n"
    assert figures(out, {"cpu": r"group commit ([\d.]+) us", "missing": r"nope (\d+)"}) == {
        "cpu": 29.6}


def test_the_summary_gives_medians_the_median_ratio_and_the_pairs_won() -> None:
    pairs = [Pair({"per_s": 100.0}, {"per_s": 110.0}), Pair({"per_s": 200.0}, {"per_s": 190.0}),
             Pair({"per_s": 100.0}, {"per_s": 120.0})]
    [line] = summary(pairs, ["per_s"])
    # ratios 1.10, 0.95, 1.20: median 1.10; the head higher in two pairs of three
    assert "base median 100.0" in line and "head median 120.0" in line
    assert "head/base median 1.100 (+10.0%)" in line
    assert "head higher in 2 of 3 pairs" in line


def test_a_metric_missing_from_a_run_is_said_not_guessed() -> None:
    assert summary([Pair({}, {"per_s": 1.0})], ["per_s"]) == ["per_s: not found in every run"]


def test_without_a_bench_to_run_it_stops_with_its_usage() -> None:
    with pytest.raises(SystemExit):  # no bench given
        ab.main(["HEAD"])


def test_a_bench_runs_on_the_code_of_the_tree_it_is_given(tmp_path: Path) -> None:
    """Even a bench that does not put its checkout on sys.path (eventlog.py) must
    import the given tree's `services`, not this checkout's installed one."""
    (tmp_path / "services").mkdir()
    (tmp_path / "services" / "__init__.py").write_text("")
    (tmp_path / "bench").mkdir()
    (tmp_path / "bench" / "probe.py").write_text(
        "import services\nprint('services from', services.__file__)\n")
    out = ab.run_bench(tmp_path, ["probe.py"])
    assert f"services from {tmp_path}" in out, out
