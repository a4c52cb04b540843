"""The rate limiter over one SQLite file (`<data_dir>/ratelimit.db`), shared by
every process over that data folder (several HTTP processes, the fronts of the
distributed topology on one host): one row per key, its GCRA TAT, read and
moved in one `BEGIN IMMEDIATE` transaction, so two processes never both spend
the last request of a budget (ADR 0045).

Counters are not precious: `synchronous=OFF` (a crash may forget the last few
hits, never corrupt the file) and a file of its own, so the limiter never waits
behind the event log's or the read store's writers. The hits of one turn of the
event loop are counted together, in arrival order, in one transaction (ADR
0104): its BEGIN and COMMIT were two thirds of a hit's cost, and a hot key (a
shared address) is read and written once a group. The event loop never waits on
the file lock: a group first tries the file on the loop itself with a busy
timeout of zero (a few statements, no fsync: cheaper than the thread hop it
replaces, ADR 0075); only when another process holds the lock, or another
thread of this one holds the limiter, does it go to the loop's executor, where
a second connection waits for the lock. The limiter holds no thread of its own.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import threading
import time
from collections.abc import Sequence
from pathlib import Path

from services.core.sqlite_lock import begin_immediate
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
LOCK_WAIT_S = 10.0  # how long a group waits for another process's lock on the file


# A group's keys in one statement, whatever their number: one SQL text, cached.
_READ = "SELECT key, tat FROM rate_tat WHERE key IN (SELECT value FROM json_each(?))"
_Hit = tuple[Sequence[Budget], float]  # a request's budgets, and when it came


def _answer(group: Sequence[tuple[_Hit, asyncio.Future[Verdict]]],
            outcome: Sequence[Verdict] | BaseException) -> None:
    """Each waiting request its verdict, or the error that counted none of them
    (a request cancelled meanwhile has nobody to tell)."""
    for n, (_, answer) in enumerate(group):
        if answer.done():
            continue
        if isinstance(outcome, BaseException):
            answer.set_exception(outcome)
        else:
            answer.set_result(outcome[n])


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
        self._pending: list[tuple[_Hit, asyncio.Future[Verdict]]] = []  # this turn's hits
        self._closed = False

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
            self._conn = self._open(LOCK_WAIT_S)
            self._conn.execute("PRAGMA busy_timeout = 0")  # begin_immediate waits instead
        return self._conn

    def _hits(self, group: Sequence[_Hit]) -> list[Verdict]:
        with self._lock:
            conn = self._connection()
            begin_immediate(conn, LOCK_WAIT_S)
            return self._hits_locked(conn, group)

    def _hits_on_loop(self, group: Sequence[_Hit]) -> list[Verdict] | None:
        """The group's verdicts without waiting, or None when the file or the
        limiter is busy."""
        if not self._lock.acquire(blocking=False):
            return None
        try:
            if self._loop_conn is None:
                self._loop_conn = self._open(0)
            self._loop_conn.execute("BEGIN IMMEDIATE")
            return self._hits_locked(self._loop_conn, group)
        except sqlite3.OperationalError as error:
            if self._loop_conn is not None and self._loop_conn.in_transaction:
                self._loop_conn.execute("ROLLBACK")
            if "locked" not in str(error) and "busy" not in str(error):
                raise
            return None  # another process writes: wait for it in the executor
        finally:
            self._lock.release()

    def _hits_locked(self, conn: sqlite3.Connection, group: Sequence[_Hit]) -> list[Verdict]:
        """Each hit decided in turn on the TATs its predecessors left, as if
        each had its own transaction; every key read once and written once.
        `conn` is in the `BEGIN IMMEDIATE` its caller took."""
        try:
            keys = list({b.key: None for budgets, _ in group for b in budgets})
            tats = dict.fromkeys(keys, 0.0)
            tats.update(conn.execute(_READ, (json.dumps(keys),)).fetchall())
            moved: dict[str, float] = {}
            verdicts = []
            for budgets, now in group:
                verdict, after = decide(budgets, [tats[b.key] for b in budgets], now)
                if verdict.allowed:
                    for b, t in zip(budgets, after, strict=True):
                        tats[b.key] = moved[b.key] = t
                verdicts.append(verdict)
            if moved:
                conn.executemany("INSERT INTO rate_tat VALUES (?, ?) ON CONFLICT(key) "
                                 "DO UPDATE SET tat=excluded.tat", moved.items())
            now = max(at for _, at in group)
            if now - self._purged >= PURGE_EVERY:
                conn.execute("DELETE FROM rate_tat WHERE tat < ?", (now,))
                self._purged = now
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
        return verdicts

    async def hit(self, budgets: Sequence[Budget], *, now: float | None = None) -> Verdict:
        loop = asyncio.get_running_loop()
        answer: asyncio.Future[Verdict] = loop.create_future()
        self._pending.append(((budgets, time.time() if now is None else now), answer))
        if len(self._pending) == 1:  # the turn's first hit: count the group after the turn
            loop.call_soon(self._count_pending, loop)
        return await answer

    def _count_pending(self, loop: asyncio.AbstractEventLoop) -> None:
        group, self._pending = self._pending, []
        hits = [h for h, _ in group]
        try:
            verdicts = None if self._closed else self._hits_on_loop(hits)
        except Exception as error:  # every waiting request gets it
            _answer(group, error)
            return
        if verdicts is not None:
            _answer(group, verdicts)
            return
        if self._closed:
            _answer(group, RuntimeError("rate limiter closed"))
            return
        waited = loop.run_in_executor(None, self._hits, hits)
        waited.add_done_callback(
            lambda done: _answer(group, done.exception() or done.result()))

    async def close(self) -> None:
        self._closed = True

        def shut() -> None:
            with self._lock:
                for conn in (self._conn, self._loop_conn):
                    if conn is not None:
                        conn.close()
                self._conn = self._loop_conn = None
        await asyncio.to_thread(shut)
