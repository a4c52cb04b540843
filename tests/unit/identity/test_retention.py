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
