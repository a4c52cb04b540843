"""The embedded topology's log replaced by an older copy of itself (a backup put
back), the read models left as they were (ADR 0032): `parlons verify` is clean
before and lists the differences in French after; the workers find the log
behind what they projected, stop (metric, `halted`) and project nothing of it."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest

from services.consultation.commands import CreateConsultation
from services.core.envelope import Actor
from services.core.events import Meta
from services.runtime.bootstrap import Container, bootstrap
from services.runtime.jobs.verify import verify_command
from services.runtime.runner import running
from services.runtime.settings import Settings

ORGANISER = Meta(Actor("p-organiser", "organiser"))


async def caught_up(container: Container) -> None:
    for _ in range(400):
        workers = list(container.built_workers)
        if workers and all(w.subscribed for w in workers) and not any(
                [await w.lag() for w in workers]):
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the workers never caught up")


async def create(container: Container, cid: str) -> None:
    await container.handle(CreateConsultation(cid, f"Consultation {cid}", cid), ORGANISER)


async def test_an_older_log_file_is_found_and_reported(
    tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    settings = Settings(data_dir=tmp_path, worker_poll_timeout=0.05)
    events = settings.events_db
    before = bootstrap(settings)
    async with running(before):
        await create(before, "c-1")
        await caught_up(before)
        backup = sqlite3.connect(tmp_path / "older.db")
        with sqlite3.connect(events) as live:
            live.backup(backup)  # the log as it was then
        backup.close()
        await create(before, "c-2")
        await caught_up(before)
    assert await verify_command(settings) == 0
    assert "0 différence" in capsys.readouterr().out

    for leftover in events.parent.glob(events.name + "-*"):  # -wal, -shm
        leftover.unlink()
    (tmp_path / "older.db").replace(events)  # the backup put back

    after = bootstrap(settings)
    async with running(after):
        await asyncio.wait_for(after.halted.wait(), 10)
        await create(after, "c-3")
        await asyncio.sleep(0.3)
        assert await after.store.get("consultation_detail", "all", "c-3") is None
    assert after.metrics.registry.get_sample_value(
        "parlons_log_behind", {"subscription": "consultation.catalogue"}) == 1

    assert await verify_command(settings) == 1
    out = capsys.readouterr().out
    # c-3 took the offset where the lost c-2 was: the log holds another event there
    assert "consultation.catalogue : le journal contient l'événement" in out
    assert "où ce lecteur avait lu" in out
    assert "flux en avance sur le journal" in out  # c-2: projected, lost by the log
