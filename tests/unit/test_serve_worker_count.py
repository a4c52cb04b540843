"""How many HTTP processes `parlons serve` starts (ADR 0070): `--workers`, else
PARLONS_SERVE_WORKERS, else one per core, and one process for everything when
the platform cannot be shared between processes."""

from __future__ import annotations

import os
from pathlib import Path

from services.runtime.settings import Settings
from services.runtime.supervisor import worker_count


def test_the_option_wins_over_the_setting(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, serve_workers=3)
    assert worker_count(settings, None) == 3
    assert worker_count(settings, 2) == 2
    assert worker_count(settings, 1) == 1


def test_zero_means_one_per_core_this_process_may_use(tmp_path: Path) -> None:
    cores = len(os.sched_getaffinity(0))
    assert worker_count(Settings(data_dir=tmp_path), None) == cores
    assert worker_count(Settings(data_dir=tmp_path, serve_workers=5), 0) == cores


def test_one_process_when_the_log_or_the_read_store_is_not_a_shared_file(
        tmp_path: Path) -> None:
    assert worker_count(Settings(data_dir=tmp_path, read_store="memory"), 4) == 1
    assert worker_count(Settings(data_dir=tmp_path, event_log="memory"), 4) == 1
    assert worker_count(Settings(data_dir=tmp_path, event_log="kafka"), 4) == 1


def test_no_more_processes_than_the_cpu_quota_allows(tmp_path: Path) -> None:
    from services.runtime.supervisor import cpu_quota, usable_cores

    cores = len(os.sched_getaffinity(0))
    v2, v1, none = tmp_path / "v2", tmp_path / "v1", tmp_path / "none"
    (v2).mkdir()
    (v1 / "cpu").mkdir(parents=True)
    (v2 / "cpu.max").write_text("150000 100000\n")  # a pod's limit of 1.5 CPU
    (v1 / "cpu" / "cpu.cfs_quota_us").write_text("100000\n")
    (v1 / "cpu" / "cpu.cfs_period_us").write_text("100000\n")
    assert cpu_quota(v2) == 1.5 and cpu_quota(v1) == 1.0 and cpu_quota(none) is None
    assert usable_cores(v2) == min(cores, 2)
    assert usable_cores(v1) == 1
    assert usable_cores(none) == cores

    (v2 / "cpu.max").write_text("max 100000\n")
    (v1 / "cpu" / "cpu.cfs_quota_us").write_text("-1\n")
    assert cpu_quota(v2) is None and cpu_quota(v1) is None
    assert usable_cores(v2) == cores
