"""The servers a benchmark measures, each in its own process: a free port, start
and wait until its readiness URL answers 200 (ready, not only listening: with
`--workers` the supervisor binds first), stop (SIGTERM, then SIGKILL)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
START_TIMEOUT_S = 60.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start(args: list[str], env: dict[str, str], out: Path,
          ready: str) -> subprocess.Popen[bytes]:
    """`python args...` with `env` added, its output in `out`, once `ready` answers 200;
    exits the benchmark with the server's last output if it dies or never gets ready."""
    with out.open("wb") as f:
        proc = subprocess.Popen([sys.executable, *args], cwd=ROOT, env={**os.environ, **env},
                                stdout=f, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server exited:\n{out.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(ready, timeout=2) as r:
                if r.status == 200:
                    return proc
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit(f"server not ready:\n{out.read_text()[-3000:]}")


def stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
