"""Opening a SQLite file that other processes are opening at the same moment.

Processes started together on a new folder (two schedulers, a server and the jobs
it spawns, the services of the distributed topology on one host) race to turn the
file to WAL and create its schema. SQLite answers some of those races "locked" at
once, without calling its busy handler (the switch to WAL, a reader upgrading to a
writer), so an open is retried for a while before the caller declares an outage.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Callable

# How long opening a file may keep meeting another process's lock.
OPEN_RETRY_S = 30.0


def _is_busy(error: sqlite3.OperationalError) -> bool:
    message = str(error).lower()
    return "locked" in message or "busy" in message


async def open_while_busy(
    open_file: Callable[[], sqlite3.Connection]) -> sqlite3.Connection:
    """`open_file()` (connect, pragmas, schema), tried again while SQLite says busy;
    the last error is raised once OPEN_RETRY_S has passed.
    `open_file` closes its connection itself when it fails part-way."""
    deadline = time.monotonic() + OPEN_RETRY_S
    delay = 0.02
    while True:
        try:
            return open_file()
        except sqlite3.OperationalError as error:
            if not _is_busy(error) or time.monotonic() >= deadline:
                raise
        await asyncio.sleep(delay)
        delay = min(delay * 2, 0.5)


def closing_on_error(
    connect: Callable[[], sqlite3.Connection], prepare: Callable[[sqlite3.Connection], object]
) -> Callable[[], sqlite3.Connection]:
    """An `open_file` for `open_while_busy`: connect, then prepare (schema,
    pragmas); a failed preparation closes the connection it made."""
    def open_file() -> sqlite3.Connection:
        conn = connect()
        try:
            prepare(conn)
        except BaseException:
            conn.close()
            raise
        return conn
    return open_file
