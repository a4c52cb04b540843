"""`parlons retention` deletes outbox messages past their retention period."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from services.identity.ports import OutboxMessage
from services.identity.sqlite import IdentityDb, SqliteOutbox
from services.runtime.cli import main


def test_retention_command_purges_old_outbox_messages(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PARLONS_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("PARLONS_IDENTITY_SECRET", "s")
    monkeypatch.setenv("PARLONS_OUTBOX_RETENTION_HOURS", "24")
    outbox = SqliteOutbox(IdentityDb(tmp_path / "identity.db"))
    now = datetime.now(UTC)

    async def seed() -> None:
        await outbox.add(OutboxMessage("old", "p-1", now - timedelta(hours=30), b"\x00sealed"))
        await outbox.add(OutboxMessage("new", "p-1", now - timedelta(hours=1), b"\x00sealed"))
    asyncio.run(seed())
    assert main(["retention"]) == 0
    assert "1 outbox messages deleted" in capsys.readouterr().out
    kept = asyncio.run(outbox.recent())
    assert [m.message_id for m in kept] == ["new"]


async def test_retention_erases_accounts_inactive_for_the_set_number_of_days() -> None:
    from services.core.clock import FixedClock
    from services.core.envelope import Actor
    from services.core.events import Meta
    from services.identity.commands import EraseParticipant, RecordSignIn, RegisterParticipant
    from services.identity.model import new_participant_id
    from services.identity.queries import identity_level
    from services.identity.retention import apply_retention
    from services.identity.settings import IdentitySettings
    from services.runtime.bootstrap import bootstrap
    from services.runtime.settings import Settings

    clock = FixedClock(datetime(2026, 1, 1, tzinfo=UTC))
    container = bootstrap(Settings(event_log="memory", read_store="memory",
                                   worker_poll_timeout=0.01), clock=clock)
    ports = container.ports["identity"]
    ports.settings = IdentitySettings(identity_secret="s",  # type: ignore[attr-defined]
                                      erase_inactive_after_days=30)
    meta = Meta(actor=Actor(id="system", role="system"))
    idle, active = new_participant_id(), new_participant_id()
    async with container:
        await container.handle(RegisterParticipant(idle, "idle@exemple.fr", "Dormeur"), meta)
        await container.handle(RegisterParticipant(active, "vive@exemple.fr", "Veilleuse"), meta)
        clock.advance(timedelta(days=20))
        await container.handle(RecordSignIn(active, "magic_link"), meta)
        clock.advance(timedelta(days=15))  # idle: 35 days; active: 15 days since login
        await _catch_up(container)
        report = await apply_retention(
            ports, store=container.store,  # type: ignore[arg-type]
            erase=lambda pid: container.handle(EraseParticipant(pid), meta))
        await _catch_up(container)
        assert report.accounts_erased == 1
        assert await ports.vault.profile(idle) is None  # type: ignore[attr-defined]
        assert await ports.vault.profile(active) is not None  # type: ignore[attr-defined]
        assert await identity_level(container.store, idle) == "anonymous"
        again = await apply_retention(ports, store=container.store,  # type: ignore[arg-type]
                                      erase=lambda pid: container.handle(
                                          EraseParticipant(pid), meta))
        assert again.accounts_erased == 0  # already erased: not erased twice


async def _catch_up(container: object) -> None:
    for worker in container.workers():  # type: ignore[attr-defined]
        sub = await container.log.subscribe(  # type: ignore[attr-defined]
            worker.group, worker.consumer.topics)
        try:
            while await worker.run_once(sub):
                pass
        finally:
            await sub.close()
