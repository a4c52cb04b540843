"""The SQLite event log of the embedded topology (DESIGN §4-§5, ADR 0002).

One file, WAL journal, `synchronous=FULL`: a commit returns once the WAL is on
disk. Writes go through `GroupWriter` (group commit, one fsync for every append
pending at that moment). One partition per topic; the offset of a record is its
rowid (`seq`). SQLite lets one writer at a time hold the file, and a rowid is
taken inside that write transaction as max(rowid) + 1 (nothing is ever deleted),
so commit order equals offset order even when several processes append to the
same file: a reader that saw offset n can never later see a new offset below n.
Readers use their own connection; checkpoints live in the same file.
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from services.core.envelope import Envelope
from services.core.errors import ConcurrencyConflict, EventLogUnavailable
from services.eventlog.port import Batch, EventLog, Position, Recorded, Subscription
from services.eventlog.sqlite_writer import GroupWriter, Notifier

T = TypeVar("T")
KeyFn = Callable[[Envelope], str]

# How often `poll` looks at the file for appends made by other processes.
FILE_POLL_INTERVAL = 0.075
BUSY_TIMEOUT_MS = 5000

_SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
    seq INTEGER PRIMARY KEY,  -- the offset: rowid, see the module docstring
    topic TEXT NOT NULL,
    event_id TEXT NOT NULL UNIQUE,
    stream TEXT NOT NULL,
    stream_version INTEGER NOT NULL,
    key TEXT NOT NULL,
    body BLOB NOT NULL,
    UNIQUE (stream, stream_version)
);
CREATE INDEX IF NOT EXISTS events_by_topic ON events (topic, seq);
CREATE TABLE IF NOT EXISTS checkpoints (
    grp TEXT NOT NULL,
    topic TEXT NOT NULL,
    next_offset INTEGER NOT NULL,
    PRIMARY KEY (grp, topic)
) WITHOUT ROWID;
"""


def _stream_key(event: Envelope) -> str:
    return event.stream


def connect(path: Path, *, max_pages: int | None = None) -> sqlite3.Connection:
    """A connection with the log's pragmas. `max_pages` caps the file size so
    the log fails closed before the disk itself fills up."""
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = FULL")
    if max_pages is not None:
        conn.execute(f"PRAGMA max_page_count = {int(max_pages)}")
    return conn


def _record(seq: int, topic: str, key: str, body: bytes, *, duplicate: bool = False) -> Recorded:
    return Recorded(Envelope.from_json(body), topic, 0, seq, key, duplicate=duplicate)


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
        self._notifier = Notifier()
        self._closed = False

    async def start(self) -> None:
        if self._writer is not None:
            return
        if self._closed:
            raise EventLogUnavailable("the event log is closed")
        try:
            conn = connect(self.path, max_pages=self._max_pages)
            conn.executescript(_SCHEMA)
            self._reader = connect(self.path)
        except sqlite3.Error as error:
            raise EventLogUnavailable(f"cannot open the event log: {error}") from error
        self._writer = GroupWriter(conn, self._notifier.notify_all)

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self._writer is not None:
            await asyncio.to_thread(self._writer.stop)
        if self._reader is not None:
            with self._reader_lock:
                self._reader.close()
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
        writer = await self._started()
        if not events and not expect:
            return []
        return await writer.submit(lambda conn: self._append_in(conn, events, expect or {}))

    def _append_in(
        self, conn: sqlite3.Connection, events: Sequence[Envelope], expect: Mapping[str, int]
    ) -> list[Recorded]:
        """Runs in the writer thread, inside this request's savepoint."""
        known = _known(conn, [e.event_id for e in events])
        if events and all(e.event_id in known for e in events):
            return [known[e.event_id] for e in events]  # a retry: no conflict to report
        for stream, expected in expect.items():
            actual = _version(conn, stream)
            if actual != expected:
                raise ConcurrencyConflict(stream, expected, actual)
        now = datetime.now(UTC)
        out: list[Recorded] = []
        for event in events:
            if event.event_id in known:
                out.append(known[event.event_id])
                continue
            stored = event.recorded(now)
            key = self._key_for(event)
            try:
                cursor = conn.execute(
                    "INSERT INTO events (topic, event_id, stream, stream_version, key, body)"
                    " VALUES (?, ?, ?, ?, ?, ?)",
                    (event.topic, event.event_id, event.stream, event.stream_version, key,
                     stored.to_json()),
                )
            except sqlite3.IntegrityError:
                again = _known(conn, [event.event_id])  # the same id twice in one batch
                if again:
                    out.append(again[event.event_id])
                    continue
                actual = _version(conn, event.stream)
                raise ConcurrencyConflict(event.stream, event.stream_version - 1, actual) from None
            assert cursor.lastrowid is not None
            out.append(Recorded(stored, event.topic, 0, cursor.lastrowid, key))
        return out

    async def reset_group(self, group: str) -> None:
        writer = await self._started()
        await writer.submit(
            lambda conn: conn.execute("DELETE FROM checkpoints WHERE grp = ?", (group,)),
            wakes=False,
        )

    async def _commit(self, group: str, positions: Mapping[str, Position]) -> None:
        rows = [(group, topic, pos.get(0, 0)) for topic, pos in positions.items()]
        writer = await self._started()
        await writer.submit(
            lambda conn: conn.executemany(
                "INSERT INTO checkpoints (grp, topic, next_offset) VALUES (?, ?, ?)"
                " ON CONFLICT (grp, topic) DO UPDATE SET next_offset = excluded.next_offset",
                rows,
            ),
            wakes=False,
        )

    # -- reads ---------------------------------------------------------------
    async def read(
        self, topic: str, *, start: Position | None = None, limit: int = 1000
    ) -> list[Recorded]:
        first = (start or {}).get(0, 0)
        return await self._query(lambda conn: _read(conn, topic, first, limit))

    async def stream_version(self, stream: str) -> int:
        return await self._query(lambda conn: _version(conn, stream))

    async def subscribe(self, group: str, topics: Sequence[str]) -> Subscription:
        def checkpoints(conn: sqlite3.Connection) -> dict[str, int]:
            return {t: _checkpoint(conn, group, t) for t in topics}

        return _SqliteSubscription(self, group, tuple(topics), await self._query(checkpoints))

    async def _started(self) -> GroupWriter:
        await self.start()
        if self._writer is None or self._closed:
            raise EventLogUnavailable("the event log is closed")
        return self._writer

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
        self._cursor = cursor

    async def poll(self, *, max_records: int = 500, timeout: float = 1.0) -> Batch:
        deadline = time.monotonic() + timeout
        while True:
            waiter = self._log._notifier.waiter()  # before reading: no lost wake-up
            try:
                batch = await self._log._query(lambda conn: self._pending(conn, max_records))
                remaining = deadline - time.monotonic()
                if batch.records or remaining <= 0 or self._log._closed:
                    break
                # in-process appends wake us at once; other processes' every interval
                await asyncio.wait({waiter}, timeout=min(remaining, FILE_POLL_INTERVAL))
            finally:
                self._log._notifier.discard(waiter)
        for topic, pos in batch.next_position.items():
            self._cursor[topic] = pos[0]
        return batch

    def _pending(self, conn: sqlite3.Connection, max_records: int) -> Batch:
        records: list[Recorded] = []
        next_position: dict[str, Position] = {}
        for topic in self.topics:
            room = max_records - len(records)
            if room <= 0:
                break
            chunk = _read(conn, topic, self._cursor[topic], room)
            if chunk:
                records.extend(chunk)
                next_position[topic] = {0: chunk[-1].offset + 1}
        return Batch(records, next_position)

    async def commit(self, batch: Batch) -> None:
        if batch.next_position:
            await self._log._commit(self.group, batch.next_position)

    async def lag(self) -> int:
        def count(conn: sqlite3.Connection) -> int:
            return sum(
                conn.execute(
                    "SELECT count(*) FROM events WHERE topic = ? AND seq >= ?",
                    (t, _checkpoint(conn, self.group, t)),
                ).fetchone()[0]
                for t in self.topics
            )

        return await self._log._query(count)

    async def close(self) -> None:
        return None


def _read(conn: sqlite3.Connection, topic: str, first: int, limit: int) -> list[Recorded]:
    rows = conn.execute(
        "SELECT seq, key, body FROM events WHERE topic = ? AND seq >= ? ORDER BY seq LIMIT ?",
        (topic, first, limit),
    ).fetchall()
    return [_record(seq, topic, key, body) for seq, key, body in rows]


def _version(conn: sqlite3.Connection, stream: str) -> int:
    row = conn.execute(
        "SELECT max(stream_version) FROM events WHERE stream = ?", (stream,)
    ).fetchone()
    return int(row[0] or 0)


def _checkpoint(conn: sqlite3.Connection, group: str, topic: str) -> int:
    row = conn.execute(
        "SELECT next_offset FROM checkpoints WHERE grp = ? AND topic = ?", (group, topic)
    ).fetchone()
    return int(row[0]) if row else 0


def _known(conn: sqlite3.Connection, event_ids: Sequence[str]) -> dict[str, Recorded]:
    """Records already in the log among `event_ids`, as duplicates."""
    found: dict[str, Recorded] = {}
    ids = list(dict.fromkeys(event_ids))
    for i in range(0, len(ids), 500):
        chunk = ids[i : i + 500]
        marks = ", ".join("?" * len(chunk))  # placeholders only, values are bound
        sql = f"SELECT event_id, seq, topic, key, body FROM events WHERE event_id IN ({marks})"  # noqa: S608
        rows: list[Any] = conn.execute(sql, chunk).fetchall()
        for event_id, seq, topic, key, body in rows:
            found[event_id] = _record(seq, topic, key, body, duplicate=True)
    return found
