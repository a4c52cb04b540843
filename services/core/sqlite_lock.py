"""Waiting for a SQLite file's write lock that another process holds.

SQLite's own busy handler (`busy_timeout`) sleeps 1, 2, 5, 10, 15, 20, 25, 25, 25,
50, 50, 100 ms between its tries, so its waits grow in steps. A lock held for 2 ms
is taken after 3 ms, one held for 4 ms after 8 ms, and a writer that meets the lock
twice waits 18 ms. The event log's file is written by every HTTP process of
`parlons serve --workers N`, each holding the lock for its group's INSERT and
fsynced COMMIT (1-4 ms). Under `bench/vote.py --workers 2` an HTTP process's writer
met the lock ~40 times a second and waited 6-8 ms each time on average (up to 107
ms). That is a fifth to a third of the run during which its group, and the requests
waiting on it, could not move, while the cores had time to spare (ADR 0110).

`begin_immediate` tries again after 0.1 ms, doubling the pause up to 1 ms, for the
price of a failed try (a few microseconds) each pause. Each try needs the GIL,
which a busy event loop gives up at its next SQLite call or poll, so a lock is taken
a little more than a pause after its release: the log writers' mean wait fell to
2.7-3.8 ms under the same bench.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable

FIRST_PAUSE_S = 0.0001
LONGEST_PAUSE_S = 0.001


def begin_immediate(conn: sqlite3.Connection, timeout_s: float, *,
                    sleep: Callable[[float], None] = time.sleep,
                    clock: Callable[[], float] = time.monotonic) -> None:
    """`BEGIN IMMEDIATE` on `conn`, whose busy timeout must be zero, tried again
    while another connection holds the write lock; SQLITE_BUSY is raised once
    `timeout_s` has passed. It blocks, so it runs off the event loop."""
    deadline = clock() + timeout_s
    pause = FIRST_PAUSE_S
    while True:
        try:
            conn.execute("BEGIN IMMEDIATE")
            return
        except sqlite3.OperationalError as busy:
            if busy.sqlite_errorcode & 0xFF != sqlite3.SQLITE_BUSY or clock() >= deadline:
                raise
        sleep(pause)
        pause = min(pause * 2, LONGEST_PAUSE_S)
