"""The organiser journey in a real headless Chromium (see organiser_journey.mjs),
against a real Parlons server on a free local port, embedded SQLite in a temp dir."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from services.web.passwords import hash_password

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).parent
PASSWORD = "e2e-organiser-password"

def _handlers_wired() -> bool:
    from services.consultation.commands import SchedulePhases
    from services.runtime.bootstrap import bootstrap
    from services.runtime.settings import Settings

    container = bootstrap(Settings(event_log="memory", read_store="memory"))
    return SchedulePhases in container.handlers


pytestmark = [pytest.mark.slow, pytest.mark.skipif(
    not _handlers_wired(),
    reason="the consultation handlers are not registered in services.runtime.bootstrap yet"),
    pytest.mark.skipif(
    not (Path("/usr/bin/chromium").exists() and shutil.which("node")
         and (ROOT / "node_modules" / "playwright-core").exists()),
    reason="needs chromium and npm deps: make assets chromium")]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    port = _free_port()
    env = {**os.environ, "PARLONS_DATA_DIR": str(tmp_path), "PARLONS_ENVIRONMENT": "development",
           "PARLONS_SECRET_KEY": "e2e-secret", "PARLONS_ADMIN_USER": "orga",
           "PARLONS_ADMIN_PASSWORD_HASH": hash_password(PASSWORD)}
    proc = subprocess.Popen([sys.executable, str(HERE / "serve_web.py"), str(port)], cwd=ROOT,
                            env={**env, "PYTHONPATH": str(ROOT)})
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                urllib.request.urlopen(f"{base}/healthz", timeout=1)
                break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise RuntimeError("Parlons did not start") from None
                time.sleep(0.1)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)


def test_organiser_journey_public_pages_and_accessibility(server: str) -> None:
    result = subprocess.run(["node", str(HERE / "organiser_journey.mjs"), server, "orga", PASSWORD],
                            cwd=ROOT, capture_output=True, text=True, timeout=180)
    print(result.stdout)
    assert result.returncode == 0, result.stdout + result.stderr
