"""Opening the SQLite log or read store while another process holds the file:
processes started together on a new folder (two schedulers, a server and the jobs
it spawns) must all come up, however long the first one keeps its lock within
reason (services/core/sqlite_open.py)."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from services.core import sqlite_open
from services.core.errors import EventLogUnavailable
from services.eventlog import sqlite as sqlite_log
from services.eventlog.sqlite import SqliteEventLog
from services.store import sqlite as sqlite_store
from services.store.sqlite import SqliteReadStore


def _lock_the_file(path: Path) -> sqlite3.Connection:
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("PRAGMA journal_mode = WAL")
    holder.execute("BEGIN EXCLUSIVE")
    return holder


@pytest.mark.parametrize(("module", "opened"), [(sqlite_log, SqliteEventLog),
                                                (sqlite_store, SqliteReadStore)])
def test_a_file_opened_while_another_holds_it_waits_for_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, module: ModuleType,
        opened: Any) -> None:
    # A busy handler shorter than the lock stands for the races SQLite answers
    # "locked" at once (the switch to WAL, a reader upgrading to writer).
    monkeypatch.setattr(module, "BUSY_TIMEOUT_MS", 20)
    path = tmp_path / "file.db"
    holder = _lock_the_file(path)

    async def scenario() -> None:
        target = opened(path)
        opening = asyncio.create_task(target.start())
        await asyncio.sleep(0.4)
        assert not opening.done()
        holder.execute("COMMIT")
        await asyncio.wait_for(opening, 10)
        await target.close()

    asyncio.run(scenario())


def test_a_log_still_locked_after_the_retry_window_is_unavailable(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sqlite_log, "BUSY_TIMEOUT_MS", 20)
    monkeypatch.setattr(sqlite_open, "OPEN_RETRY_S", 0.3)
    holder = _lock_the_file(tmp_path / "events.db")
    with pytest.raises(EventLogUnavailable, match="locked"):
        asyncio.run(SqliteEventLog(tmp_path / "events.db").start())
    holder.execute("ROLLBACK")
