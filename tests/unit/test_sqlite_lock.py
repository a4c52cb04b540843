"""Waiting for a SQLite write lock another connection holds (ADR 0110)."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest

from services.core.sqlite_lock import FIRST_PAUSE_S, LONGEST_PAUSE_S, begin_immediate


def _connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=0)
    conn.execute("PRAGMA journal_mode = WAL")
    return conn


def test_the_lock_is_taken_once_its_holder_commits(tmp_path: Path) -> None:
    holder, waiter = _connect(tmp_path / "f.db"), _connect(tmp_path / "f.db")
    holder.execute("CREATE TABLE t (v INTEGER)")
    holder.execute("BEGIN IMMEDIATE")
    holder.execute("INSERT INTO t VALUES (1)")
    paused: list[float] = []
    released = threading.Event()

    def sleep(seconds: float) -> None:  # the holder commits during the third pause
        paused.append(seconds)
        if len(paused) == 3:
            holder.execute("COMMIT")
            released.set()

    begin_immediate(waiter, 5.0, sleep=sleep)
    assert released.is_set() and waiter.in_transaction
    # it reads what the holder committed: the write lock, on the latest snapshot
    assert waiter.execute("SELECT v FROM t").fetchall() == [(1,)]
    waiter.execute("COMMIT")
    assert paused == [FIRST_PAUSE_S, FIRST_PAUSE_S * 2, FIRST_PAUSE_S * 4]


def test_the_pauses_double_up_to_a_millisecond_then_time_out(tmp_path: Path) -> None:
    holder, waiter = _connect(tmp_path / "f.db"), _connect(tmp_path / "f.db")
    holder.execute("BEGIN IMMEDIATE")
    now = [0.0]
    paused: list[float] = []

    def sleep(seconds: float) -> None:
        paused.append(seconds)
        now[0] += seconds

    with pytest.raises(sqlite3.OperationalError) as busy:
        begin_immediate(waiter, 0.01, sleep=sleep, clock=lambda: now[0])
    assert busy.value.sqlite_errorcode == sqlite3.SQLITE_BUSY
    assert not waiter.in_transaction
    assert paused[:5] == [0.0001, 0.0002, 0.0004, 0.0008, LONGEST_PAUSE_S]
    assert set(paused[4:]) == {LONGEST_PAUSE_S}
    assert 0.01 <= sum(paused) < 0.01 + LONGEST_PAUSE_S  # until the deadline, no longer
    holder.execute("ROLLBACK")


def test_an_error_other_than_busy_is_not_waited_on(tmp_path: Path) -> None:
    conn = _connect(tmp_path / "f.db")
    conn.execute("BEGIN")  # already in a transaction: not a lock to wait for

    def sleep(seconds: float) -> None:
        raise AssertionError("waited on an error that is not a lock")

    with pytest.raises(sqlite3.OperationalError):
        begin_immediate(conn, 5.0, sleep=sleep)
