"""The rate limiter over one SQLite file (`<data_dir>/ratelimit.db`), shared by
every process over that data folder (several HTTP processes, the fronts of the
distributed topology on one host): one row per key, its GCRA TAT, read and
moved in one `BEGIN IMMEDIATE` transaction, so two processes never both spend
the last request of a budget (ADR 0045).

Counters are not precious: `synchronous=OFF` (a crash may forget the last few
hits, never corrupt the file) and a file of its own, so the limiter never waits
behind the event log's or the read store's writers. One connection, used by
one thread at a time from the loop's executor, so the event loop never waits on
the file lock and the limiter holds no thread of its own.
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
from collections.abc import Sequence
from pathlib import Path

from services.identity.ratelimit import Budget, RateLimiter, Verdict, decide

SCHEMA = "CREATE TABLE IF NOT EXISTS rate_tat (key TEXT PRIMARY KEY, tat REAL NOT NULL)"
# Seconds between two deletions of the keys whose TAT has passed: a key (a
# participant id, a rotating hash of an address) stays at most its window (an
# hour at most) and this long after its last request.
PURGE_EVERY = 60.0


class SqliteRateLimiter(RateLimiter):
    def __init__(self, path: Path) -> None:
        self.path = path
        self._conn: sqlite3.Connection | None = None
        self._lock = threading.Lock()
        self._purged = 0.0

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(self.path, timeout=10, isolation_level=None,
                                   check_same_thread=False)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=OFF")
            conn.execute(SCHEMA)
            self._conn = conn
        return self._conn

    def _hit(self, budgets: Sequence[Budget], now: float) -> Verdict:
        with self._lock:
            return self._hit_locked(budgets, now)

    def _hit_locked(self, budgets: Sequence[Budget], now: float) -> Verdict:
        conn = self._connection()
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
        return await asyncio.to_thread(self._hit, budgets, at)

    async def close(self) -> None:
        def shut() -> None:
            with self._lock:
                if self._conn is not None:
                    self._conn.close()
                    self._conn = None
        await asyncio.to_thread(shut)
