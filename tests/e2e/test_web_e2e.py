"""The organiser journey in a real headless Chromium (see organiser_journey.mjs),
against a real Parlons server on a free local port, embedded SQLite in a temp dir."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from harness.e2e import BROWSER, PASSWORD, stop
from harness.processes import ROOT, free_port

from services.web.passwords import hash_password

HERE = Path(__file__).parent


def _handlers_wired() -> bool:
    from services.consultation.commands import SchedulePhases
    from services.runtime.bootstrap import bootstrap
    from services.runtime.settings import Settings

    container = bootstrap(Settings(event_log="memory", read_store="memory"))
    return SchedulePhases in container.handlers


pytestmark = [*BROWSER, pytest.mark.skipif(
    not _handlers_wired(),
    reason="the consultation handlers are not registered in services.runtime.bootstrap yet")]


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    port = free_port()
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
        stop(proc)


def test_organiser_journey_public_pages_and_accessibility(server: str) -> None:
    result = subprocess.run(["node", str(HERE / "organiser_journey.mjs"), server, "orga", PASSWORD],
                            cwd=ROOT, capture_output=True, text=True, timeout=180)
    print(result.stdout)
    assert result.returncode == 0, result.stdout + result.stderr
