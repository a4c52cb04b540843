"""Opening the SQLite log while another process holds the file: processes started
together on a new folder (two schedulers, a server and the jobs it spawns) must
all come up, however long the first one keeps its lock within reason."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest

from services.core.errors import EventLogUnavailable
from services.eventlog import sqlite as sqlite_log
from services.eventlog.sqlite import SqliteEventLog


def _lock_the_file(path: Path) -> sqlite3.Connection:
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("PRAGMA journal_mode = WAL")
    holder.execute("BEGIN EXCLUSIVE")
    return holder


def test_a_log_opened_while_another_holds_the_file_waits_for_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A busy handler shorter than the lock stands for the races SQLite answers
    # "locked" at once (the switch to WAL, a reader upgrading to writer).
    monkeypatch.setattr(sqlite_log, "BUSY_TIMEOUT_MS", 20)
    path = tmp_path / "events.db"
    holder = _lock_the_file(path)

    async def scenario() -> None:
        log = SqliteEventLog(path)
        opening = asyncio.create_task(log.start())
        await asyncio.sleep(0.4)
        assert not opening.done()
        holder.execute("COMMIT")
        await asyncio.wait_for(opening, 10)
        await log.close()

    asyncio.run(scenario())


def test_a_log_still_locked_after_the_retry_window_is_unavailable(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sqlite_log, "BUSY_TIMEOUT_MS", 20)
    monkeypatch.setattr(sqlite_log, "OPEN_RETRY_S", 0.3)
    holder = _lock_the_file(tmp_path / "events.db")
    with pytest.raises(EventLogUnavailable, match="locked"):
        asyncio.run(SqliteEventLog(tmp_path / "events.db").start())
    holder.execute("ROLLBACK")


def test_a_read_store_opened_while_another_holds_the_file_waits_for_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from services.store import sqlite as sqlite_store
    from services.store.sqlite import SqliteReadStore

    monkeypatch.setattr(sqlite_store, "BUSY_TIMEOUT_MS", 20)
    holder = _lock_the_file(tmp_path / "read.db")

    async def scenario() -> None:
        store = SqliteReadStore(tmp_path / "read.db")
        opening = asyncio.create_task(store.start())
        await asyncio.sleep(0.4)
        assert not opening.done()
        holder.execute("COMMIT")
        await asyncio.wait_for(opening, 10)
        await store.close()

    asyncio.run(scenario())
