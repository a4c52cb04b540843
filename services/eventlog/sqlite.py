"""The SQLite event log of the embedded topology (DESIGN §4-§5, ADR 0002).

One file, WAL journal, `synchronous=FULL`: a commit returns once the WAL is on
disk. Writes go through `GroupWriter` (group commit, one fsync for every append
pending at that moment). One partition per topic; the offset of a record is its
rowid (`seq`). SQLite lets one writer at a time hold the file, and a rowid is
taken inside that write transaction as max(rowid) + 1 (nothing is ever deleted),
so commit order equals offset order even when several processes append to the
same file: a reader that saw offset n can never later see a new offset below n.
Readers use their own connection; checkpoints live in the same file.

A decision's reads (one stream, or its version: a handler deciding on the truth,
ADR 0030) run on the event loop itself, on a connection that never waits for a
lock (busy timeout zero); only when SQLite says busy do they go to a thread.
Those reads are an index lookup and a few rows; in a thread they cost more than
themselves (the hop, and the GIL handed back and forth with the loop under load,
ADR 0075). Topic reads (batches for the workers) stay in a thread.
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TypeVar

from services.core.envelope import Envelope
from services.core.errors import EventLogUnavailable
from services.core.sqlite_open import closing_on_error, open_while_busy
from services.eventlog import sqlite_rows as rows
from services.eventlog.port import Batch, EventLog, Position, Recorded, Subscription
from services.eventlog.sqlite_decoded import DecodedRecords
from services.eventlog.sqlite_rows import KeyFn
from services.eventlog.sqlite_tail import TopicTails
from services.eventlog.sqlite_versions import CommittedVersions
from services.eventlog.sqlite_watch import FileWatch
from services.eventlog.sqlite_writer import GroupWriter, Notifier

T = TypeVar("T")

# How often the subscriptions look at the file for appends made by other
# processes (one look for all of them, services/eventlog/sqlite_watch.py).
FILE_POLL_INTERVAL = 0.075
BUSY_TIMEOUT_MS = 5000


def _stream_key(event: Envelope) -> str:
    return event.stream


def connect(path: Path, *, max_pages: int | None = None) -> sqlite3.Connection:
    """A connection with the log's pragmas. `max_pages` caps the file size so
    the log fails closed before the disk itself fills up."""
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = FULL")
    # The writer's group runs in a SAVEPOINT, whose journal of the pages it changes
    # SQLite spills to an unlinked file in /var/tmp past 64 KiB: an openat, an
    # unlink and ~1.6 pwrite64 an event, a fifth of an append's CPU (ADR 0117).
    # In memory it is a few MB at most (MAX_EVENTS_PER_GROUP).
    conn.execute("PRAGMA temp_store = MEMORY")
    if max_pages is not None:
        conn.execute(f"PRAGMA max_page_count = {int(max_pages)}")
    return conn


class SqliteEventLog(EventLog):
    def __init__(
        self, path: str | Path, key_for: KeyFn = _stream_key, *, max_pages: int | None = None
    ) -> None:
        self.path = Path(path)
        self._key_for = key_for
        self._max_pages = max_pages
        self._writer: GroupWriter | None = None
        self._reader: sqlite3.Connection | None = None
        self._reader_lock = threading.Lock()
        # Used from the event loop's thread, never waiting (see the docstring).
        self._loop_reader: sqlite3.Connection | None = None
        self._loop_reader_lock = threading.Lock()
        self._notifier = Notifier()
        self._watch = FileWatch(self._notifier, self._point_query, FILE_POLL_INTERVAL)
        self._versions = CommittedVersions()
        # what the subscriptions polled, decoded once for all of them (ADR 0083)
        self.decoded = DecodedRecords()
        # and the newest records of each topic, read once for all of them (ADR 0098)
        self.tails = TopicTails(self.decoded)
        self._closed = False

    async def start(self) -> None:
        if self._writer is not None:
            return
        if self._closed:
            raise EventLogUnavailable("the event log is closed")
        conn = await self._open_writer_connection()
        try:
            self._reader = connect(self.path)
            self._loop_reader = connect(self.path)
            self._loop_reader.execute("PRAGMA busy_timeout = 0")
        except sqlite3.Error as error:
            raise EventLogUnavailable(f"cannot open the event log: {error}") from error
        versions = self._versions
        self._writer = GroupWriter(
            conn,
            self._notifier.notify_all,
            lambda conn, requests: rows.append_batch(conn, requests, self._key_for, versions),
            one_work=lambda conn, request: self._append_one(conn, *request),
            on_end=lambda committed: versions.committed() if committed else versions.forget(),
        )

    async def _open_writer_connection(self) -> sqlite3.Connection:
        """The writer's connection with the schema in place, waiting out other
        processes opening the same new file (services/core/sqlite_open.py)."""
        open_file = closing_on_error(
            lambda: connect(self.path, max_pages=self._max_pages),
            lambda conn: conn.executescript(rows.SCHEMA))
        try:
            return await open_while_busy(open_file)
        except sqlite3.Error as error:
            raise EventLogUnavailable(f"cannot open the event log: {error}") from error

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self._writer is not None:
            await self._writer.stop()
        if self._reader is not None:
            with self._reader_lock:
                self._reader.close()
        if self._loop_reader is not None:
            with self._loop_reader_lock:
                self._loop_reader.close()
        self._notifier.notify_all()  # pollers return empty batches

    @property
    def commits(self) -> int:
        """Write transactions committed so far (each one fsync of the WAL)."""
        return self._writer.commits if self._writer is not None else 0

    async def ping(self) -> None:
        writer = await self._started()
        if not writer.healthy:
            raise EventLogUnavailable("the last write to the event log failed")
        await writer.submit(lambda conn: None, wakes=False)  # takes the write lock

    # -- writes --------------------------------------------------------------
    async def append(
        self, events: Sequence[Envelope], *, expect: Mapping[str, int] | None = None
    ) -> list[Recorded]:
        writer = self._writer
        if writer is None or self._closed:
            writer = await self._started()
        if not expect:
            if not events:
                return []
            expect = {}
        size = len(events)
        recorded: list[Recorded] = await writer.submit(
            None,  # written with the group's other appends, or by `_append_one` alone
            savepoint=size > rows.ROWS_PER_STATEMENT,  # rows.needs_savepoint, inlined
            payload=(events, expect),
            size=size,
        )
        return recorded

    def _append_one(
        self, conn: sqlite3.Connection, events: Sequence[Envelope], expect: Mapping[str, int]
    ) -> list[Recorded]:
        """The one-by-one path (a request alone in its group, or one the batch
        could not take): it writes behind the remembered versions' back."""
        self._versions.forget()
        return rows.append_in(conn, events, expect, self._key_for)

    async def reset_group(self, group: str) -> None:
        writer = await self._started()
        await writer.submit(
            lambda conn: conn.execute("DELETE FROM checkpoints WHERE grp = ?", (group,)),
            wakes=False,
        )

    async def _commit(self, group: str, positions: Mapping[str, Position]) -> None:
        new = [(group, topic, pos.get(0, 0)) for topic, pos in positions.items()]
        writer = await self._started()
        await writer.submit(lambda conn: rows.store_checkpoints(conn, new), wakes=False)

    # -- reads ---------------------------------------------------------------
    async def read(
        self, topic: str, *, start: Position | None = None, limit: int = 1000
    ) -> list[Recorded]:
        first = (start or {}).get(0, 0)
        return await self._query(lambda conn: rows.read(conn, topic, first, limit))

    async def read_stream(self, stream: str) -> list[Envelope]:
        return await self._point_query(lambda conn: rows.stream_events(conn, stream))

    async def stream_version(self, stream: str) -> int:
        return await self._point_query(lambda conn: rows.version(conn, stream))

    async def read_stream_and_version(self, stream: str,
                                      other: str) -> tuple[list[Envelope], int]:
        return await self._point_query(
            lambda conn: rows.stream_events_and_version(conn, stream, other))

    async def ends(self, topic: str) -> Position:
        return {0: await self._query(lambda conn: rows.end(conn, topic))}

    async def size(self, topic: str) -> int:
        # offsets are the file's one sequence, shared by every topic: count them
        return await self._query(lambda conn: rows.size(conn, topic))

    async def identity(self) -> str:
        return await self._query(rows.log_id)

    async def subscribe(self, group: str, topics: Sequence[str]) -> Subscription:
        def checkpoints(conn: sqlite3.Connection) -> dict[str, int]:
            return {t: rows.checkpoint(conn, group, t) for t in topics}

        return _SqliteSubscription(self, group, tuple(topics), await self._query(checkpoints))

    async def _started(self) -> GroupWriter:
        await self.start()
        if self._writer is None or self._closed:
            raise EventLogUnavailable("the event log is closed")
        return self._writer

    async def _point_query(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """`fn` on the loop's connection, without waiting; in a thread when SQLite
        is busy or another thread is using that connection."""
        await self._started()
        if self._loop_reader_lock.acquire(blocking=False):
            try:
                if self._loop_reader is None or self._closed:
                    raise EventLogUnavailable("the event log is closed")
                return fn(self._loop_reader)
            except sqlite3.OperationalError as error:
                if "locked" not in str(error) and "busy" not in str(error):
                    raise EventLogUnavailable(f"event log read failed: {error}") from error
            except sqlite3.Error as error:
                raise EventLogUnavailable(f"event log read failed: {error}") from error
            finally:
                self._loop_reader_lock.release()
        return await self._query(fn)

    async def _query(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        await self._started()

        def run() -> T:
            with self._reader_lock:
                if self._reader is None or self._closed:
                    raise EventLogUnavailable("the event log is closed")
                try:
                    return fn(self._reader)
                except sqlite3.Error as error:
                    raise EventLogUnavailable(f"event log read failed: {error}") from error

        return await asyncio.to_thread(run)


class _SqliteSubscription(Subscription):
    def __init__(
        self, log: SqliteEventLog, group: str, topics: tuple[str, ...], cursor: dict[str, int]
    ) -> None:
        self._log = log
        self.group = group
        self.topics = topics
        self._topic_set = frozenset(topics)
        self._cursor = cursor

    async def poll(self, *, max_records: int = 500, timeout: float = 1.0) -> Batch:
        deadline = time.monotonic() + timeout
        log = self._log
        while True:
            # before reading: no lost wake-up
            waiter = log._notifier.waiter(self._topic_set)
            try:
                batch = await log._query(lambda conn: self._pending(conn, max_records))
                if batch.records or log._closed or not await self._woken(waiter, deadline):
                    break
            finally:
                log._notifier.discard(waiter)
        for topic, pos in batch.next_position.items():
            self._cursor[topic] = pos[0]
        return batch

    async def _woken(self, waiter: asyncio.Future[None], deadline: float) -> bool:
        """Wait for a commit to one of this subscription's topics until `deadline`:
        True once one came. This process's appends wake the waiter at once; another
        process's are found by the log's look at the file, shared by its
        subscriptions (ADR 0092): a subscription with nothing to read no longer
        queries the log, nor even wakes, every interval."""
        remaining = deadline - time.monotonic()
        if remaining > 0 and not self._log._closed:
            await self._log._watch.wait(waiter, remaining)
        return waiter.done()

    def _pending(self, conn: sqlite3.Connection, max_records: int) -> Batch:
        records: list[Recorded] = []
        next_position: dict[str, Position] = {}
        for topic in self.topics:
            room = max_records - len(records)
            if room <= 0:
                break
            chunk = self._log.tails.read(conn, topic, self._cursor[topic], room)
            if chunk:
                records.extend(chunk)
                next_position[topic] = {0: chunk[-1].offset + 1}
        return Batch(records, next_position)

    async def commit(self, batch: Batch) -> None:
        if batch.next_position:
            await self._log._commit(self.group, batch.next_position)

    async def lag(self) -> int:
        return await self._log._query(lambda conn: rows.lag(conn, self.group, self.topics))

    async def behind(self, upto: Mapping[str, Position]) -> int:
        below = {t: upto[t].get(0, 0) for t in self.topics if t in upto}
        return await self._log._query(lambda conn: rows.behind(conn, self.group, below))

    async def close(self) -> None:
        return None
