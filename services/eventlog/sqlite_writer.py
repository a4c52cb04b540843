"""Group commit for the SQLite event log.

Appends from many coroutines queue up; one thread drains the queue and runs every
pending request in ONE transaction with ONE commit (one fsync of the WAL), then
answers each caller. A caller is answered only after that commit returned, so an
acknowledged write is durable. Each request runs inside its own SAVEPOINT (or is a
single statement, atomic by itself): a request refused for a domain reason (a
`ConcurrencyConflict`) is rolled back alone and the rest of the group commits.
A SQLite error (I/O error, disk full, lock timeout) fails the whole group:
nothing of it is acknowledged, every caller gets `EventLogUnavailable`.
"""

from __future__ import annotations

import asyncio
import contextlib
import queue
import sqlite3
import threading
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from services.core.errors import EventLogUnavailable

T = TypeVar("T")
Work = Callable[[sqlite3.Connection], Any]
Outcome = tuple[bool, Any]  # (succeeded, value or exception)
# Writes many requests' payloads at once; None when one of them needs the slow path.
BatchWork = Callable[[sqlite3.Connection, list[Any]], list[Outcome] | None]

# Bounded so one group's transaction stays short and its memory small.
MAX_REQUESTS_PER_GROUP = 2000


@dataclass(slots=True)
class _Request:
    work: Work
    future: asyncio.Future[Any]
    loop: asyncio.AbstractEventLoop
    wakes: bool  # appends wake subscriptions; checkpoint writes need not
    savepoint: bool  # False: the work is one statement, atomic by itself
    payload: Any  # not None: the request may also be written by `batch_work`


_STOP = object()


class GroupWriter:
    """Owns the only write connection of this process to the log file."""

    def __init__(
        self,
        conn: sqlite3.Connection,
        on_commit: Callable[[], None],
        batch_work: BatchWork | None = None,
    ) -> None:
        self._conn = conn
        self._batch_work = batch_work
        self._on_commit = on_commit
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="eventlog-writer", daemon=True)
        self._stopping = False
        self.healthy = True  # False while the last append group failed
        self.commits = 0  # transactions committed: group commit makes it << appends
        self._thread.start()

    async def submit(
        self, work: Callable[[sqlite3.Connection], T], *, wakes: bool = True,
        savepoint: bool = True, payload: Any = None,
    ) -> T:
        if self._stopping:
            raise EventLogUnavailable("the event log is closed")
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        self._queue.put(_Request(work, future, loop, wakes, savepoint, payload))
        return await future

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
                    if not item.future.cancelled():  # the caller gave up: skip it
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
        try:
            conn.execute("BEGIN IMMEDIATE")
            outcomes = self._write_batched(group)
            for i, request in enumerate(group):
                if i not in outcomes:
                    outcomes[i] = self._write_one(request)
            conn.execute("COMMIT")
        except sqlite3.Error as error:
            self._abandon(group, error)
            return
        self.commits += 1
        appends = any(r.wakes for r in group)
        if appends:
            self.healthy = True
        _answer([(r, *outcomes[i]) for i, r in enumerate(group)])
        if appends:
            self._on_commit()

    def _write_batched(self, group: list[_Request]) -> dict[int, Outcome]:
        """The fast path: every batchable request in a few statements. When one
        of them would fail, undo the lot; each then takes the savepoint path."""
        indexes = [i for i, r in enumerate(group) if r.payload is not None]
        if self._batch_work is None or len(indexes) < 2:
            return {}
        self._conn.execute("SAVEPOINT batch")
        try:
            results = self._batch_work(self._conn, [group[i].payload for i in indexes])
        except sqlite3.IntegrityError:
            results = None
        except sqlite3.Error:
            raise
        except Exception:  # bad data in one request: the slow path isolates it
            results = None
        if results is None:
            self._conn.execute("ROLLBACK TO batch")
        self._conn.execute("RELEASE batch")
        return dict(zip(indexes, results, strict=True)) if results is not None else {}

    def _write_one(self, request: _Request) -> Outcome:
        conn = self._conn
        if request.savepoint:
            conn.execute("SAVEPOINT request")
        try:
            value = request.work(conn)
        except sqlite3.Error:
            raise  # the database is at fault: fail the whole group
        except Exception as refused:  # this request only (a conflict, bad data)
            if request.savepoint:
                conn.execute("ROLLBACK TO request")
                conn.execute("RELEASE request")
            return (False, refused)
        if request.savepoint:
            conn.execute("RELEASE request")
        return (True, value)

    def _abandon(self, group: list[_Request], error: sqlite3.Error) -> None:
        try:
            if self._conn.in_transaction:
                self._conn.execute("ROLLBACK")
        except sqlite3.Error:
            pass  # SQLite may already have rolled back (SQLITE_FULL, IOERR)
        if any(r.wakes for r in group):
            self.healthy = False
        answers = []
        for request in group:
            failure = EventLogUnavailable(f"event log write failed: {error}")
            failure.__cause__ = error
            answers.append((request, False, failure))
        _answer(answers)


def _answer(answers: list[tuple[_Request, bool, Any]]) -> None:
    """Resolve callers' futures with one wake-up per event loop, not one per
    request: a cross-thread wake-up is a system call."""
    by_loop: dict[asyncio.AbstractEventLoop, list[tuple[_Request, bool, Any]]] = defaultdict(list)
    for answer in answers:
        by_loop[answer[0].loop].append(answer)
    for loop, batch in by_loop.items():
        with contextlib.suppress(RuntimeError):  # a closed loop: nobody waits there
            loop.call_soon_threadsafe(_resolve, batch)


def _resolve(answers: list[tuple[_Request, bool, Any]]) -> None:
    for request, ok, value in answers:
        if request.future.done():  # cancelled meanwhile
            continue
        if ok:
            request.future.set_result(value)
        else:
            request.future.set_exception(value)


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
