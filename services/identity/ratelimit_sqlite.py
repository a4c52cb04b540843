"""The rate limiter over one SQLite file (`<data_dir>/ratelimit.db`), shared by
every process over that data folder (several HTTP processes, the fronts of the
distributed topology on one host): one row per key, its GCRA TAT, read and
moved in one `BEGIN IMMEDIATE` transaction, so two processes never both spend
the last request of a budget (ADR 0045).

Counters are not precious: `synchronous=OFF` (a crash may forget the last few
hits, never corrupt the file) and a file of its own, so the limiter never waits
behind the event log's or the read store's writers. One connection, used from
one worker thread, so the event loop never waits on the file lock.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from services.identity.ratelimit import Budget, RateLimiter, Verdict, decide

SCHEMA = "CREATE TABLE IF NOT EXISTS rate_tat (key TEXT PRIMARY KEY, tat REAL NOT NULL)"
PURGE_EVERY = 5000  # hits between two deletions of the keys whose TAT has passed


class SqliteRateLimiter(RateLimiter):
    def __init__(self, path: Path) -> None:
        self.path = path
        self._conn: sqlite3.Connection | None = None
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ratelimit")
        self._hits = 0

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
            self._hits += 1
            if self._hits % PURGE_EVERY == 0:
                conn.execute("DELETE FROM rate_tat WHERE tat < ?", (now,))
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
        return verdict

    async def hit(self, budgets: Sequence[Budget], *, now: float | None = None) -> Verdict:
        at = time.time() if now is None else now
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._thread, self._hit, budgets, at)

    async def close(self) -> None:
        def shut() -> None:
            if self._conn is not None:
                self._conn.close()
                self._conn = None
        await asyncio.get_running_loop().run_in_executor(self._thread, shut)
        self._thread.shutdown(wait=False)
