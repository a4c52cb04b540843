"""The identity file's first connection in a process (IdentityDb's anchor) opens
again when SQLite answers "database is locked" at once: the moment another
process's last connection closes the WAL (a 500 on an anonymous session under the
load tests), instead of failing the request."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest

from services.identity import sqlite as identity_sqlite
from services.identity.sqlite import IdentityDb


class LockedFirst:
    """A real connection whose WAL pragma answers "database is locked" when
    `locked`."""

    def __init__(self, conn: sqlite3.Connection, locked: bool) -> None:
        self._conn, self._locked = conn, locked

    def execute(self, sql: str, *args: Any) -> Any:
        if self._locked and sql.startswith("PRAGMA journal_mode"):
            raise sqlite3.OperationalError("database is locked")
        return self._conn.execute(sql, *args)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._conn, name)


def locked_for(monkeypatch: pytest.MonkeyPatch, times: int) -> list[int]:
    real, opened = sqlite3.connect, [0]

    def connect(*args: Any, **kwargs: Any) -> Any:
        opened[0] += 1
        return LockedFirst(real(*args, **kwargs), locked=opened[0] <= times)
    monkeypatch.setattr(sqlite3, "connect", connect)
    return opened


async def test_the_anchor_opens_again_while_the_file_is_locked(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    opened = locked_for(monkeypatch, 3)
    db = IdentityDb(tmp_path / "identity.db")
    assert await db.run(lambda conn: conn.execute("SELECT 1").fetchone()[0]) == 1
    assert opened[0] == 5  # three refused anchors, the anchor, the call's connection


async def test_a_lock_that_lasts_fails_once_the_wait_is_over(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    locked_for(monkeypatch, 10**6)
    monkeypatch.setattr(identity_sqlite, "ANCHOR_WAIT_S", 0.05)
    db = IdentityDb(tmp_path / "identity.db")
    with pytest.raises(sqlite3.OperationalError, match="locked"):
        await db.run(lambda conn: conn.execute("SELECT 1").fetchone())
