"""Issue #5's journey in a real headless Chromium (see participant_journey.mjs):
participants log in by magic link, answer the Grand Débat questionnaire with a
conditional follow-up, propose and argue under pre-moderation, a moderator named
by the admin approves, the public sees the proposal with its argument. Against a
real Parlons (serve_participant.py) on a free local port, SQLite in a temp dir."""

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

from services.web.passwords import hash_password

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).parent
PASSWORD = "e2e-organiser-password"

pytestmark = [pytest.mark.slow, pytest.mark.skipif(
    not (Path("/usr/bin/chromium").exists() and shutil.which("node")
         and (ROOT / "node_modules" / "playwright-core").exists()),
    reason="needs chromium and npm deps: make assets chromium")]


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def served(script: str, tmp_path: Path) -> Iterator[tuple[str, list[str]]]:
    """A real Parlons started by `script` (which seeds, then prints `seeded ...`)
    on a free port, SQLite in `tmp_path`; yields its address and the seeded words."""
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "PARLONS_DATA_DIR": str(tmp_path), "PARLONS_ENVIRONMENT": "development",
           "PARLONS_SECRET_KEY": "e2e-secret", "PARLONS_ADMIN_USER": "orga",
           "PARLONS_ADMIN_PASSWORD_HASH": hash_password(PASSWORD), "PARLONS_PUBLIC_URL": base,
           "PYTHONPATH": str(ROOT)}
    out = tmp_path / "server.out"
    with out.open("w") as sink:
        proc = subprocess.Popen([sys.executable, str(HERE / script), str(port)],
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
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, list[str]]]:
    with served("serve_participant.py", tmp_path) as started:
        yield started


def test_participant_journey_with_moderation_and_accessibility(
        server: tuple[str, list[str]]) -> None:
    base, (cid, slug, qid) = server
    result = subprocess.run(["node", str(HERE / "participant_journey.mjs"), base, "orga",
                             PASSWORD, cid, slug, qid],
                            cwd=ROOT, capture_output=True, text=True, timeout=240)
    print(result.stdout)
    assert result.returncode == 0, result.stdout + result.stderr
