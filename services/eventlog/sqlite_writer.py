"""Group commit for the SQLite event log.

Appends from many coroutines queue up; one writer task drains the queue and runs
every pending request in ONE transaction with ONE commit (one fsync of the WAL),
then answers each caller. A caller is answered only after that commit returned,
so an acknowledged write is durable. Each request runs inside its own SAVEPOINT
(or is a single statement, atomic by itself): a request refused for a domain
reason (a `ConcurrencyConflict`) is rolled back alone and the rest of the group
commits. A SQLite error (I/O error, disk full, lock timeout) fails the whole
group: nothing of it is acknowledged, every caller gets `EventLogUnavailable`.

Why a task on the event loop and not a writer thread: the statements of a group
take microseconds each, but a thread must win the GIL back after every one of
them, and against a busy event loop that costs up to the switch interval (5 ms)
each time. Here only the steps that wait -- taking the file's write lock when
another process holds it, and COMMIT, which waits for fsync -- leave the loop,
on a dedicated thread; the loop keeps serving requests (and queueing the next
group) meanwhile.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar, overload

from services.core.errors import EventLogUnavailable
from services.core.sqlite_lock import begin_immediate
from services.eventlog.sqlite_thread import StatementThread

T = TypeVar("T")
Work = Callable[[sqlite3.Connection], Any]
Outcome = tuple[bool, Any]  # (succeeded, value or exception)
# Writes many requests' payloads at once; None when one of them needs the slow path.
BatchWork = Callable[[sqlite3.Connection, list[Any]], list[Outcome] | None]
# Writes one request's payload alone (a request the batch could not take).
OneWork = Callable[[sqlite3.Connection, Any], Any]

# Bounds on one group: its statements run on the event loop, so they must stay short.
MAX_REQUESTS_PER_GROUP = 1000
MAX_EVENTS_PER_GROUP = 1000
LOCK_TIMEOUT_MS = 5000


@dataclass(slots=True)
class _Request:
    work: Work | None  # None: its payload, written alone by `one_work`
    future: asyncio.Future[Any]
    wakes: bool  # appends wake subscriptions; checkpoint writes need not
    savepoint: bool  # False: the work is one statement, atomic by itself
    payload: Any  # not None: the request may also be written by `batch_work`
    size: int  # events in the request, to bound a group


class GroupWriter:
    """Owns this process's write connection to the log file. Lives on the event
    loop of its first caller."""

    def __init__(
        self,
        conn: sqlite3.Connection,
        on_commit: Callable[[frozenset[str] | None], None],
        batch_work: BatchWork | None = None,
        *,
        one_work: OneWork | None = None,
        on_end: Callable[[bool], None] | None = None,
    ) -> None:
        conn.execute("PRAGMA busy_timeout = 0")  # never wait on the loop; see _begin
        self._conn = conn
        self._on_commit = on_commit
        self._batch_work = batch_work
        # A payload submitted without its own work (an append): no closure to make
        # per request, a sixtieth of an append's instructions (ADR 0112).
        self._one_work = one_work
        # Told whether each group committed (True) or was rolled back (False),
        # before any caller is answered.
        self._on_end = on_end
        self._pending: list[_Request] = []
        self._wakeup = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._io = StatementThread("eventlog-commit")
        self._stopping = False
        self.healthy = True  # False while the last append group failed
        self.commits = 0  # transactions committed: group commit makes it << appends

    @overload
    def submit(
        self, work: Callable[[sqlite3.Connection], T], *, wakes: bool = True,
        savepoint: bool = True, payload: Any = None, size: int = 1,
    ) -> asyncio.Future[T]: ...

    @overload
    def submit(
        self, work: None, *, wakes: bool = True, savepoint: bool = True, payload: Any,
        size: int = 1,
    ) -> asyncio.Future[Any]: ...

    def submit(
        self, work: Callable[[sqlite3.Connection], T] | None, *, wakes: bool = True,
        savepoint: bool = True, payload: Any = None, size: int = 1,
    ) -> asyncio.Future[Any]:
        """Queue `work` (None: `payload`, written by `batch_work` with others or by
        `one_work` alone); the future is set once its group committed (or failed).
        A plain function returning the future, not a coroutine: one frame less on
        every append (ADR 0072). Must be called on the event loop."""
        if self._stopping:
            raise EventLogUnavailable("the event log is closed")
        if work is None and (payload is None or self._one_work is None):
            raise ValueError("a request without work needs a payload and a one_work")
        loop = asyncio.get_running_loop()
        if self._loop is None:
            self._loop, self._task = loop, loop.create_task(self._run())
        elif loop is not self._loop:
            raise RuntimeError("an event log is bound to the event loop that first wrote to it")
        # `loop.create_future()` is this call behind one more Python frame
        future: asyncio.Future[Any] = asyncio.Future(loop=loop)
        self._pending.append(_Request(work, future, wakes, savepoint, payload, size))
        self._wakeup.set()
        return future

    async def stop(self, timeout: float = 10.0) -> None:
        """Write what is queued, then stop and close the connection."""
        self._stopping = True
        self._wakeup.set()
        if self._task is not None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.shield(self._task), timeout)
        self._io.stop()
        self._conn.close()

    # -- the writer task -----------------------------------------------------
    async def _run(self) -> None:
        while True:
            await self._wakeup.wait()
            self._wakeup.clear()
            while self._pending:
                await self._write(self._next_group())
            if self._stopping:
                return

    def _next_group(self) -> list[_Request]:
        pending = self._pending
        if (len(pending) <= MAX_REQUESTS_PER_GROUP
                and sum(r.size for r in pending) <= MAX_EVENTS_PER_GROUP):
            self._pending = []  # the usual case: every pending request fits
            return [r for r in pending if not r.future.cancelled()]  # skip who gave up
        group: list[_Request] = []
        events = 0
        for n, request in enumerate(self._pending):
            if len(group) >= MAX_REQUESTS_PER_GROUP or events >= MAX_EVENTS_PER_GROUP:
                self._pending = self._pending[n:]
                break
            if not request.future.cancelled():  # the caller gave up: skip it
                group.append(request)
                events += request.size
        else:
            self._pending = []
        return group

    async def _write(self, group: list[_Request]) -> None:
        if not group:
            return
        conn = self._conn
        try:
            await self._begin()
            outcomes = self._write_batched(group)
            if None in outcomes:  # some requests go one by one
                for i, request in enumerate(group):
                    if outcomes[i] is None:
                        outcomes[i] = self._write_one(request)
            await self._off_loop(conn.execute, "COMMIT")  # waits for fsync
        except sqlite3.Error as error:
            self._abandon(group, error)
            return
        self.commits += 1
        if self._on_end is not None:
            self._on_end(True)
        appends = any(r.wakes for r in group)
        if appends:
            self.healthy = True
        # `_settle`, inlined: once per append
        for request, outcome in zip(group, outcomes, strict=True):
            future = request.future
            if not future.done():  # cancelled meanwhile
                ok, value = outcome  # type: ignore[misc]  # every None was filled above
                if ok:
                    future.set_result(value)
                else:
                    future.set_exception(value)
        if appends:
            self._on_commit(_topics(group))

    async def _begin(self) -> None:
        try:
            self._conn.execute("BEGIN IMMEDIATE")  # the usual case: the lock is free
        except sqlite3.OperationalError as busy:
            if busy.sqlite_errorcode != sqlite3.SQLITE_BUSY:
                raise
            await self._off_loop(self._begin_waiting)  # another process writes

    def _begin_waiting(self) -> None:
        begin_immediate(self._conn, LOCK_TIMEOUT_MS / 1000)

    async def _off_loop(self, fn: Callable[..., Any], *args: Any) -> None:
        # The statement finishes on the thread even if the writer task is
        # cancelled, so the connection is never left in an unknown state.
        await self._io.run(fn, *args)

    def _write_batched(self, group: list[_Request]) -> list[Outcome | None]:
        """The fast path: every batchable request in a few statements. When one
        of them would fail, undo the lot; each then takes the savepoint path.
        Each request's outcome, in order; None for those left to go one by one."""
        if self._batch_work is None:
            return [None] * len(group)
        payloads = [r.payload for r in group]
        indexes: list[int] | None = None  # None: every request is in the batch
        if None in payloads:  # some requests are not appends (or not batchable)
            indexes = [i for i, p in enumerate(payloads) if p is not None]
            payloads = [payloads[i] for i in indexes]
        if len(payloads) < 2:
            return [None] * len(group)
        self._conn.execute("SAVEPOINT batch")
        try:
            results = self._batch_work(self._conn, payloads)
        except sqlite3.IntegrityError:
            results = None
        except sqlite3.Error:
            raise
        except Exception:  # bad data in one request: the slow path isolates it
            results = None
        if results is None:
            self._conn.execute("ROLLBACK TO batch")
        self._conn.execute("RELEASE batch")
        if results is None:
            return [None] * len(group)
        if indexes is None:
            # as `zip(..., strict=True)` below: one outcome per payload, checked
            # before the COMMIT rather than when the callers are answered
            if len(results) != len(group):
                raise ValueError(f"batch_work answered {len(results)} outcomes"
                                 f" for {len(group)} payloads")
            return list(results)
        outcomes: list[Outcome | None] = [None] * len(group)
        for i, outcome in zip(indexes, results, strict=True):
            outcomes[i] = outcome
        return outcomes

    def _write_one(self, request: _Request) -> Outcome:
        conn = self._conn
        if request.savepoint:
            conn.execute("SAVEPOINT request")
        try:
            if request.work is not None:
                value = request.work(conn)
            else:
                value = self._one_work(conn, request.payload)  # type: ignore[misc]  # submit checked
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
        if self._on_end is not None:
            self._on_end(False)
        if any(r.wakes for r in group):
            self.healthy = False
        for request in group:
            failure = EventLogUnavailable(f"event log write failed: {error}")
            failure.__cause__ = error
            _settle(request, False, failure)


def _topics(group: list[_Request]) -> frozenset[str] | None:
    """The topics a committed group appended to; None when a request does not say
    (its subscribers are all woken)."""
    topics: set[str] = set()
    add = topics.add
    for request in group:
        if not request.wakes:
            continue
        if request.payload is None:
            return None
        for e in request.payload[0]:  # a loop, not a generator per request (ADR 0072)
            add(e.topic)
    return frozenset(topics)


def _settle(request: _Request, ok: bool, value: Any) -> None:
    if request.future.done():  # cancelled meanwhile
        return
    if ok:
        request.future.set_result(value)
    else:
        request.future.set_exception(value)


class Notifier:
    """Wakes coroutines waiting in `poll` (on any event loop) after a commit: only
    those subscribed to a topic the commit appended to. A commit of ballots used to
    wake every projection worker (19), each then querying the log in a thread for
    nothing (ADR 0019)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._waiters: dict[asyncio.Future[None],
                            tuple[asyncio.AbstractEventLoop, frozenset[str] | None]] = {}

    def waiter(self, topics: frozenset[str] | None = None) -> asyncio.Future[None]:
        """A future set at the next commit to one of `topics` (None: to any topic)."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[None] = loop.create_future()
        with self._lock:
            self._waiters[future] = (loop, topics)
        return future

    def waited_topics(self) -> frozenset[str] | None:
        """The topics some waiter waits on (None: one waits on any topic)."""
        union: set[str] = set()
        with self._lock:
            for _, topics in self._waiters.values():
                if topics is None:
                    return None
                union |= topics
        return frozenset(union)

    def discard(self, future: asyncio.Future[None]) -> None:
        with self._lock:
            self._waiters.pop(future, None)

    def notify_all(self, topics: frozenset[str] | None = None) -> None:
        """Wake the waiters on `topics` (None: every waiter). Called after a commit,
        on the writer's loop, or on close."""
        with self._lock:
            woken = {f: w for f, w in self._waiters.items()
                     if topics is None or w[1] is None or not w[1].isdisjoint(topics)}
            for future in woken:
                del self._waiters[future]
        try:
            here = asyncio.get_running_loop()
        except RuntimeError:
            here = None
        for future, (loop, _) in woken.items():
            if loop is here:  # no self-pipe write (a syscall per waiter) on our own loop
                _wake(future)
                continue
            with contextlib.suppress(RuntimeError):  # a closed loop: nobody waits there
                loop.call_soon_threadsafe(_wake, future)


def _wake(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)
