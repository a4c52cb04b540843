"""The Chromium journeys' side in Python: a real Parlons started by one of the
tests/e2e/serve_*.py scripts (which seed through the handlers, then print
`seeded <words>`) on a free port, SQLite in a temporary folder, and the marks
that skip the journeys where Chromium or the npm packages are missing."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from harness.processes import ROOT, free_port
from services.web.passwords import hash_password

SCRIPTS = ROOT / "tests" / "e2e"
PASSWORD = "e2e-organiser-password"
BROWSER = [pytest.mark.slow, pytest.mark.skipif(
    not (Path("/usr/bin/chromium").exists() and shutil.which("node")
         and (ROOT / "node_modules" / "playwright-core").exists()),
    reason="needs chromium and npm deps: make assets chromium")]


@contextmanager
def served(script: str, tmp_path: Path) -> Iterator[tuple[str, list[str]]]:
    """A real Parlons started by `script` (which seeds, then prints `seeded ...`)
    on a free port, SQLite in `tmp_path`; yields its address and the seeded words."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "PARLONS_DATA_DIR": str(tmp_path), "PARLONS_ENVIRONMENT": "development",
           "PARLONS_SECRET_KEY": "e2e-secret", "PARLONS_ADMIN_USER": "orga",
           "PARLONS_ADMIN_PASSWORD_HASH": hash_password(PASSWORD), "PARLONS_PUBLIC_URL": base,
           "PYTHONPATH": str(ROOT)}
    out = tmp_path / "server.out"
    with out.open("w") as sink:
        proc = subprocess.Popen([sys.executable, str(SCRIPTS / script), str(port)],
                                cwd=ROOT, env=env, stdout=sink, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"{base}/healthz", timeout=1)
                seeded = [ln for ln in out.read_text().splitlines() if ln.startswith("seeded ")]
                if seeded:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline or proc.poll() is not None:
                raise RuntimeError("Parlons did not start:\n" + out.read_text())
            time.sleep(0.1)
        yield base, seeded[0].split()[1:]
    finally:
        stop(proc)


def stop(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM, then SIGKILL if the server is still there after 15 s."""
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=5)
