"""Questionnaire import in a real headless Chromium (see questionnaire_import.mjs),
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
pytestmark = BROWSER


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    port = free_port()
    env = {**os.environ, "PARLONS_DATA_DIR": str(tmp_path), "PARLONS_ENVIRONMENT": "development",
           "PARLONS_SECRET_KEY": "e2e-secret", "PARLONS_ADMIN_USER": "orga",
           "PARLONS_ADMIN_PASSWORD_HASH": hash_password(PASSWORD), "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, str(HERE / "serve_web.py"), str(port)], cwd=ROOT,
                            env=env)
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


def test_upload_preview_confirm_in_a_browser(server: str) -> None:
    result = subprocess.run(["node", str(HERE / "questionnaire_import.mjs"), server, "orga",
                             PASSWORD], cwd=ROOT, capture_output=True, text=True, timeout=180)
    print(result.stdout)
    assert result.returncode == 0, result.stdout + result.stderr
