"""Supervision of the distributed topology's workers (deploy/supervise.sh, used
by `make run-distributed`): a worker that dies is restarted after a pause; a
crash loop is given up after a bounded number of restarts; exit code 3 (the log
lost what the worker had seen, ADR 0032) is never restarted; stopping the
supervisor stops its worker. Commands here stand in for workers."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

from harness.processes import ROOT

SUPERVISE = ROOT / "deploy" / "supervise.sh"
FAST = {"PARLONS_RESTART_PAUSE": "0.05", "PARLONS_RESTART_MAX": "3",
        "PARLONS_RESTART_WINDOW": "60"}


def supervise(command: str, tmp: Path) -> subprocess.Popen[str]:
    script = f"set -euo pipefail; source {SUPERVISE}; supervise worker bash -c '{command}'"
    return subprocess.Popen(["bash", "-c", script], cwd=tmp, env={**os.environ, **FAST},
                            stderr=subprocess.PIPE, text=True)


def runs(tmp: Path) -> int:
    path = tmp / "runs"
    return len(path.read_text().splitlines()) if path.exists() else 0


def test_a_crash_loop_is_given_up_after_the_limit(tmp_path: Path) -> None:
    proc = supervise("echo run >> runs; exit 1", tmp_path)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 1
    assert runs(tmp_path) == 4  # the first run and 3 restarts
    assert "giving up" in err


def test_a_log_behind_is_not_restarted(tmp_path: Path) -> None:
    proc = supervise("echo run >> runs; exit 3", tmp_path)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 3
    assert runs(tmp_path) == 1
    assert "parlons verify" in err


def test_a_worker_that_dies_is_restarted_and_stopped_with_its_supervisor(
    tmp_path: Path,
) -> None:
    # dies on its first run, then keeps running (and says which pid it is)
    proc = supervise('echo $$ >> runs; [ "$(wc -l < runs)" -gt 1 ] || exit 1; exec sleep 60',
                     tmp_path)
    deadline = time.monotonic() + 20
    while runs(tmp_path) < 2:
        assert time.monotonic() < deadline and proc.poll() is None, "never restarted"
        time.sleep(0.05)
    worker = int((tmp_path / "runs").read_text().split()[-1])
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=20)
    deadline = time.monotonic() + 10
    while _alive(worker):
        assert time.monotonic() < deadline, "the worker outlived its supervisor"
        time.sleep(0.05)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat")
    return stat.exists() and stat.read_text().split()[2] != "Z"
