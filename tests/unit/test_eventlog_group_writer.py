"""The SQLite group writer: a batch's answers are finished while its COMMIT runs
(ADR 0086); if finishing them fails, its callers are told the log failed, and
what was written stays written (a retry finds it)."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from services.core.errors import EventLogUnavailable
from services.eventlog.sqlite_writer import GroupWriter


def _table(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("CREATE TABLE t (v TEXT)")
    return conn


def _batch(fail: bool) -> Any:
    def write(conn: sqlite3.Connection, payloads: list[Any]) -> Any:
        conn.executemany("INSERT INTO t VALUES (?)", [(p,) for p in payloads])
        answers: list[list[str]] = [[] for _ in payloads]

        def finish() -> None:
            if fail:
                raise RuntimeError("a bug building the answers")
            for answer, p in zip(answers, payloads, strict=True):
                answer.append(p.upper())

        return [(True, a) for a in answers], finish

    return write


async def _append_three(writer: GroupWriter) -> list[Any]:
    futures = [writer.submit(lambda conn: None, payload=p, wakes=False) for p in ("a", "b", "c")]
    return await asyncio.gather(*futures, return_exceptions=True)


async def test_a_batch_is_answered_with_what_finish_built(tmp_path: Path) -> None:
    writer = GroupWriter(_table(tmp_path / "t.db"), lambda topics: None, _batch(fail=False))
    try:
        assert await _append_three(writer) == [["A"], ["B"], ["C"]]
    finally:
        await writer.stop()


async def test_a_failing_finish_fails_its_callers_after_the_commit(tmp_path: Path) -> None:
    writer = GroupWriter(_table(tmp_path / "t.db"), lambda topics: None, _batch(fail=True))
    try:
        results = await _append_three(writer)
        assert all(isinstance(r, EventLogUnavailable) for r in results), results
        assert writer.commits == 1
    finally:
        await writer.stop()
    check = sqlite3.connect(tmp_path / "t.db")
    assert sorted(v for (v,) in check.execute("SELECT v FROM t")) == ["a", "b", "c"]
    check.close()


@pytest.mark.parametrize("fail", [False, True])
async def test_the_writer_keeps_writing_after_a_batch(tmp_path: Path, fail: bool) -> None:
    writer = GroupWriter(_table(tmp_path / "t.db"), lambda topics: None, _batch(fail=fail))
    try:
        await _append_three(writer)
        assert await writer.submit(lambda conn: conn.execute("SELECT 1").fetchone()[0]) == 1
    finally:
        await writer.stop()
