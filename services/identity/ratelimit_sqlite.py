"""The rate limiter over one SQLite file (`<data_dir>/ratelimit.db`), shared by
every process over that data folder (several HTTP processes, the fronts of the
distributed topology on one host): one row per key, its GCRA TAT, read and
moved in one `BEGIN IMMEDIATE` transaction, so two processes never both spend
the last request of a budget (ADR 0045).

Counters are not precious: `synchronous=OFF` (a crash may forget the last few
hits, never corrupt the file) and a file of its own, so the limiter never waits
behind the event log's or the read store's writers. The event loop never waits
on the file lock: a hit first tries the file on the loop itself with a busy
timeout of zero (a few statements, no fsync: cheaper than the thread hop it
replaces, ADR 0075); only when another process holds the lock, or another
thread of this one holds the limiter, does it go to the loop's executor, where
a second connection waits for the lock. The limiter holds no thread of its own.
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
from collections.abc import Sequence
from pathlib import Path

from services.identity.ratelimit import Budget, RateLimiter, Verdict, decide

# WITHOUT ROWID: one b-tree keyed by the key, where a rowid table keeps the rows
# and an index on the key apart: a hit reads and writes one tree, not two, and
# commits fewer pages to the WAL (ADR 0097).
SCHEMA = ("CREATE TABLE IF NOT EXISTS rate_tat (key TEXT PRIMARY KEY, tat REAL NOT NULL)"
          " WITHOUT ROWID")
# Seconds between two deletions of the keys whose TAT has passed: a key (a
# participant id, a rotating hash of an address) stays at most its window (an
# hour at most) and this long after its last request.
PURGE_EVERY = 60.0


def _create(conn: sqlite3.Connection) -> None:
    """The table, replacing a rowid one of a file made before ADR 0097: the
    counters are not precious, a client's budget starts afresh once."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        row = conn.execute("SELECT sql FROM sqlite_master WHERE type = 'table'"
                           " AND name = 'rate_tat'").fetchone()
        if row is not None and "WITHOUT ROWID" not in str(row[0]).upper():
            conn.execute("DROP TABLE rate_tat")
        conn.execute(SCHEMA)
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


class SqliteRateLimiter(RateLimiter):
    def __init__(self, path: Path) -> None:
        self.path = path
        self._conn: sqlite3.Connection | None = None  # the executor's: waits for the lock
        self._loop_conn: sqlite3.Connection | None = None  # the loop's: never waits
        self._lock = threading.Lock()  # one connection in use at a time
        self._purged = 0.0

    def _open(self, timeout: float) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(self.path, timeout=timeout, isolation_level=None,
                               check_same_thread=False)
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=OFF")
            _create(conn)
        except BaseException:
            conn.close()
            raise
        return conn

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None:
            self._conn = self._open(10)
        return self._conn

    def _hit(self, budgets: Sequence[Budget], now: float) -> Verdict:
        with self._lock:
            return self._hit_locked(self._connection(), budgets, now)

    def _hit_on_loop(self, budgets: Sequence[Budget], now: float) -> Verdict | None:
        """The hit without waiting, or None when the file or the limiter is busy."""
        if not self._lock.acquire(blocking=False):
            return None
        try:
            if self._loop_conn is None:
                self._loop_conn = self._open(0)
            return self._hit_locked(self._loop_conn, budgets, now)
        except sqlite3.OperationalError as error:
            if self._loop_conn is not None and self._loop_conn.in_transaction:
                self._loop_conn.execute("ROLLBACK")
            if "locked" not in str(error) and "busy" not in str(error):
                raise
            return None  # another process writes: wait for it in the executor
        finally:
            self._lock.release()

    def _hit_locked(self, conn: sqlite3.Connection, budgets: Sequence[Budget],
                    now: float) -> Verdict:
        conn.execute("BEGIN IMMEDIATE")
        try:
            tats = []
            for b in budgets:
                row = conn.execute("SELECT tat FROM rate_tat WHERE key=?", (b.key,)).fetchone()
                tats.append(float(row[0]) if row else 0.0)
            verdict, moved = decide(budgets, tats, now)
            if verdict.allowed:
                conn.executemany("INSERT INTO rate_tat VALUES (?, ?) ON CONFLICT(key) "
                                 "DO UPDATE SET tat=excluded.tat",
                                 [(b.key, t) for b, t in zip(budgets, moved, strict=True)])
            if now - self._purged >= PURGE_EVERY:
                conn.execute("DELETE FROM rate_tat WHERE tat < ?", (now,))
                self._purged = now
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
        return verdict

    async def hit(self, budgets: Sequence[Budget], *, now: float | None = None) -> Verdict:
        at = time.time() if now is None else now
        verdict = self._hit_on_loop(budgets, at)
        if verdict is not None:
            return verdict
        return await asyncio.to_thread(self._hit, budgets, at)

    async def close(self) -> None:
        def shut() -> None:
            with self._lock:
                for conn in (self._conn, self._loop_conn):
                    if conn is not None:
                        conn.close()
                self._conn = self._loop_conn = None
        await asyncio.to_thread(shut)
