"""Group commit for the SQLite event log.

Appends from many coroutines queue up; one thread drains the queue and runs every
pending request in ONE transaction with ONE commit (one fsync of the WAL), then
answers each caller. A caller is answered only after that commit returned, so an
acknowledged write is durable. Each request runs inside its own SAVEPOINT: a
request refused for a domain reason (a `ConcurrencyConflict`) is rolled back alone
and the rest of the group still commits. A SQLite error (I/O error, disk full,
lock timeout) fails the whole group: nothing of it is acknowledged, every caller
gets `EventLogUnavailable`.
"""

from __future__ import annotations

import asyncio
import contextlib
import queue
import sqlite3
import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any, TypeVar

from services.core.errors import EventLogUnavailable

T = TypeVar("T")
Work = Callable[[sqlite3.Connection], Any]

# Bounded so one group's transaction stays short and its memory small.
MAX_REQUESTS_PER_GROUP = 2000


@dataclass(slots=True)
class _Request:
    work: Work
    future: Future[Any]
    wakes: bool  # appends wake subscriptions; checkpoint writes need not


_STOP = object()


class GroupWriter:
    """Owns the only write connection of this process to the log file."""

    def __init__(self, conn: sqlite3.Connection, on_commit: Callable[[], None]) -> None:
        self._conn = conn
        self._on_commit = on_commit
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="eventlog-writer", daemon=True)
        self._stopping = False
        self.healthy = True  # False while the last append group failed
        self.commits = 0  # transactions committed: group commit makes it << appends
        self._thread.start()

    async def submit(self, work: Callable[[sqlite3.Connection], T], *, wakes: bool = True) -> T:
        if self._stopping:
            raise EventLogUnavailable("the event log is closed")
        future: Future[T] = Future()
        self._queue.put(_Request(work, future, wakes))
        return await asyncio.wrap_future(future)

    def stop(self, timeout: float = 10.0) -> None:
        """Write what is queued, then stop the thread and close the connection."""
        if not self._stopping:
            self._stopping = True
            self._queue.put(_STOP)
        self._thread.join(timeout)

    # -- the writer thread ---------------------------------------------------
    def _run(self) -> None:
        try:
            stop = False
            while not stop:
                group: list[_Request] = []
                item = self._queue.get()
                while True:
                    if item is _STOP:
                        stop = True
                        break
                    if item.future.set_running_or_notify_cancel():  # skip cancelled
                        group.append(item)
                    if len(group) >= MAX_REQUESTS_PER_GROUP:
                        break
                    try:
                        item = self._queue.get_nowait()
                    except queue.Empty:
                        break
                if group:
                    self._write(group)
        finally:
            self._conn.close()

    def _write(self, group: list[_Request]) -> None:
        conn = self._conn
        outcomes: list[tuple[bool, Any]] = []
        try:
            conn.execute("BEGIN IMMEDIATE")
            for request in group:
                conn.execute("SAVEPOINT request")
                try:
                    value = request.work(conn)
                except sqlite3.Error:
                    raise  # the database is at fault: fail the whole group
                except Exception as refused:  # this request only (a conflict, bad data)
                    conn.execute("ROLLBACK TO request")
                    conn.execute("RELEASE request")
                    outcomes.append((False, refused))
                else:
                    conn.execute("RELEASE request")
                    outcomes.append((True, value))
            conn.execute("COMMIT")
        except sqlite3.Error as error:
            self._abandon(group, error)
            return
        self.commits += 1
        appends = any(r.wakes for r in group)
        if appends:
            self.healthy = True
        for request, (ok, value) in zip(group, outcomes, strict=True):
            if ok:
                request.future.set_result(value)
            else:
                request.future.set_exception(value)
        if appends:
            self._on_commit()

    def _abandon(self, group: list[_Request], error: sqlite3.Error) -> None:
        try:
            if self._conn.in_transaction:
                self._conn.execute("ROLLBACK")
        except sqlite3.Error:
            pass  # SQLite may already have rolled back (SQLITE_FULL, IOERR)
        if any(r.wakes for r in group):
            self.healthy = False
        for request in group:
            failure = EventLogUnavailable(f"event log write failed: {error}")
            failure.__cause__ = error
            request.future.set_exception(failure)


class Notifier:
    """Wakes coroutines waiting in `poll` (on any event loop) after a commit."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._waiters: dict[asyncio.Future[None], asyncio.AbstractEventLoop] = {}

    def waiter(self) -> asyncio.Future[None]:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[None] = loop.create_future()
        with self._lock:
            self._waiters[future] = loop
        return future

    def discard(self, future: asyncio.Future[None]) -> None:
        with self._lock:
            self._waiters.pop(future, None)

    def notify_all(self) -> None:  # called from the writer thread
        with self._lock:
            waiters, self._waiters = self._waiters, {}
        for future, loop in waiters.items():
            with contextlib.suppress(RuntimeError):  # a closed loop: nobody waits there
                loop.call_soon_threadsafe(_wake, future)


def _wake(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)
