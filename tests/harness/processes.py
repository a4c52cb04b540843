"""Real Parlons processes (`python -m services.runtime ...` from the repository
root, output in a file), polled until they answer, stopped with SIGTERM; and
the vote consultation they start on, written to a data folder beforehand."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from tansu import free_port, free_ports  # noqa: F401  (imported from here too)

from harness.consultations import publish
from services.consultation.commands import PhaseSpec
from services.core.envelope import Actor
from services.core.events import Meta
from services.core.participants import ParticipantContext
from services.deposit.commands import SubmitProposal
from services.runtime.bootstrap import bootstrap
from services.runtime.cli import rebuild
from services.runtime.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
# A bound, not a speed check: a passing test waits only as long as the start takes.
# 30 s was missed (a server's readiness, a freeze after start) with the machine at
# load 13-18, as a shared CI runner can be.
START_TIMEOUT_S = 90.0
STOP_TIMEOUT_S = 15.0
SEEDED_VOTE = "c-vote"
# The processes' API token (PARLONS_API_TOKEN): creating a consultation over the
# JSON API is the platform admin's, a machine client sends it (ADR 0040).
API_TOKEN = "jeton-api-des-processus-de-test"
MACHINE = {"Authorization": f"Bearer {API_TOKEN}"}


class Parlons:
    """One `python -m services.runtime ...` process, its output in a file."""

    def __init__(self, args: Sequence[str], env: dict[str, str], out: Path) -> None:
        self.out = out
        self._file = out.open("wb")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "services.runtime", *args], cwd=ROOT,
            # one process unless a test asks for `serve --workers N` (ADR 0070)
            env={**os.environ, "PARLONS_API_TOKEN": API_TOKEN, "PARLONS_SERVE_WORKERS": "1",
                 **env}, stdout=self._file,
            stderr=subprocess.STDOUT,
        )

    def output(self) -> str:
        return self.out.read_text(errors="replace")

    def stop(self) -> int:
        """SIGTERM, bounded wait, SIGKILL as a last resort. Returns the exit code."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(STOP_TIMEOUT_S)
        self._file.close()
        return self.proc.returncode


def stop_all(procs: Sequence[Parlons]) -> None:
    """SIGTERM to every process at once, then each one's bounded wait: processes
    stopping together take the longest one's time, not the sum."""
    for p in procs:
        if p.proc.poll() is None:
            p.proc.send_signal(signal.SIGTERM)
    for p in procs:
        p.stop()


def wait_until(check: Any, what: str, procs: Sequence[Parlons],
               timeout: float = START_TIMEOUT_S) -> Any:
    """Polls `check()` until it returns something true (returned); fails at once
    if one of `procs` exits, and at the timeout, with their output."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for p in procs:
            if p.proc.poll() is not None:
                pytest.fail(f"process exited ({p.proc.returncode}):\n{p.output()[-3000:]}")
        try:
            result = check()
        except httpx.TransportError:
            result = None
        if result:
            return result
        time.sleep(0.1)
    logs = "\n---\n".join(p.output()[-3000:] for p in procs)
    pytest.fail(f"timed out waiting for {what}:\n{logs}")


def start_serve(processes: list[Parlons], env: dict[str, str], out: Path,
                *args: str, timeout: float = START_TIMEOUT_S) -> tuple[Parlons, str]:
    """`parlons serve` on a free port (added to `processes`), once ready; the
    process and its address."""
    [started] = start_serves(processes, env, [(out, args)], timeout=timeout)
    return started


def start_serves(processes: list[Parlons], env: dict[str, str],
                 each: Sequence[tuple[Path, Sequence[str]]],
                 timeout: float | None = None) -> list[tuple[Parlons, str]]:
    """One `parlons serve` per (output file, arguments) of `each`, all launched
    before any is waited for (they import side by side), each on a free port and
    added to `processes`; once all are ready, each process and its address. The
    bound is START_TIMEOUT_S per process by default: they share the cores."""
    timeout = timeout or START_TIMEOUT_S * len(each)
    started = []
    for out, args in each:
        port = free_port()
        proc = Parlons(["serve", "--port", str(port), *args], env, out)
        processes.append(proc)
        started.append((proc, f"http://127.0.0.1:{port}"))
    for proc, url in started:
        wait_until(lambda u=url: httpx.get(f"{u}/readyz").status_code == 200, "readiness",
                   [proc], timeout)
    return started


async def seed_vote(data: Path, n_items: int = 20, settings: Settings | None = None
                    ) -> list[str]:
    """In `data` (and the log of `settings`, SQLite in `data` by default):
    consultation SEEDED_VOTE, published, whose open phase accepts proposals and
    votes, and `n_items` published proposals, all projected before the servers
    start. Returns the proposals' ids."""
    container = bootstrap(settings or Settings(data_dir=data))
    now = datetime.now(UTC)
    meta = Meta(Actor("organiser-1", "organiser"))
    async with container:
        await publish(container, meta, SEEDED_VOTE, "Vote", "vote", PhaseSpec(
            "vote", "vote", "Vote", now - timedelta(hours=1), now + timedelta(days=1),
            actions=("deposit", "vote_support", "vote_agree", "vote_ranking")))
        for p in ("consultation.catalogue",):
            await rebuild(container, p)
        items = []
        for n in range(n_items):
            item = f"item-{n:03d}"
            await container.handle(SubmitProposal(
                item, SEEDED_VOTE, ParticipantContext(f"author-{n}"), f"Proposition {n}",
                "Une proposition assez longue pour passer."), meta)
            items.append(item)
        for p in container.projections:
            await rebuild(container, p.name)
    return items
