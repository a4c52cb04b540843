"""The newest records of each topic, read once for every subscription of a process.

Eight consumers of `deposit.events` poll the same new rows. ADR 0083 made them
share the parsing (`sqlite_decoded.py`), but each still ran its own query and
fetched every row's bytes, then looked each one up by offset and compared its
bytes (~1 µs a row, three rows per proposal per consumer). Here the first
subscription to reach new rows of a topic reads them, and the others take the
same records from this tail: a poll inside the tail is a slice of a list, and
only a poll at its end asks the file, for what came after (ADR 0098).

A tail covers a range of offsets `[lo, hi)` of its topic and holds every record
of the topic in it. That claim stays true: a record's offset is its rowid, taken
inside the write transaction as max(rowid) + 1 and never reused, so a reader that
saw offset n never later finds a new record below n (see `sqlite.py`). Each
extension reads again the last record the tail holds and compares its bytes: a
log file replaced under the process (another log, an older copy) drops every tail
instead of handing back the other file's records.

Bounded: past `size` records a topic, the older half is dropped (the consumers are near
the end under load). A poll that starts outside a tail (a consumer behind, or one
that jumped ahead) reads the file as before, through the shared decoding; one
that starts past the tail's end moves the tail there. Used under the log's reader
lock (one thread at a time).
"""

from __future__ import annotations

import sqlite3
from bisect import bisect_left
from dataclasses import dataclass, field

from services.eventlog.port import Recorded
from services.eventlog.sqlite_decoded import DecodedRecords
from services.eventlog.sqlite_rows import read_rows

DEFAULT_SIZE = 2048  # per topic; most topics are quiet and hold a few


@dataclass(slots=True)
class _Tail:
    lo: int  # every record of the topic with lo <= offset < hi is in `records`
    hi: int
    offsets: list[int] = field(default_factory=list)
    records: list[Recorded] = field(default_factory=list)
    last_body: bytes = b""  # the bytes of records[-1], to recognise the file


class TopicTails:
    def __init__(self, decoded: DecodedRecords, size: int = DEFAULT_SIZE) -> None:
        self._decoded = decoded
        self._size = size
        self._tails: dict[str, _Tail] = {}
        self.rows = 0  # rows fetched from the file, for tests and benches

    def read(self, conn: sqlite3.Connection, topic: str, first: int,
             limit: int) -> list[Recorded]:
        """`limit` records of `topic` from offset `first`, as `sqlite_rows.read`."""
        tail = self._tails.get(topic)
        if tail is None or first > tail.hi:
            tail = self._tails[topic] = _Tail(first, first)
        elif first < tail.lo:  # a consumer behind the others: the file, as before
            return self._rows(conn, topic, first, limit)
        at = bisect_left(tail.offsets, first)
        found = tail.records[at:at + limit]
        if len(found) == limit:
            return found
        if not self._extend(conn, topic, tail, limit - len(found)):
            del self._tails[topic]  # another file: forget, and read this one
            return self._rows(conn, topic, first, limit)
        found = tail.records[at:at + limit]
        if len(tail.records) > self._size:  # the older half goes, after the slice
            half = len(tail.records) // 2
            del tail.records[:half], tail.offsets[:half]
            tail.lo = tail.offsets[0]
        return found

    def _extend(self, conn: sqlite3.Connection, topic: str, tail: _Tail, room: int) -> bool:
        """Read up to `room` records past the tail's end into it. False when the
        file no longer holds the tail's last record as it was read."""
        bodies: list[bytes] = []
        if not tail.records:
            new = self._rows(conn, topic, tail.hi, room, bodies)
        else:
            last = tail.offsets[-1]
            rows = self._rows(conn, topic, last, room + 1, bodies)
            if not rows or rows[0].offset != last or bodies[0] != tail.last_body:
                return False
            new = rows[1:]
        if new:
            tail.records += new
            tail.offsets += [r.offset for r in new]
            tail.hi = new[-1].offset + 1
            tail.last_body = bodies[-1]
        return True

    def _rows(self, conn: sqlite3.Connection, topic: str, first: int, limit: int,
              bodies: list[bytes] | None = None) -> list[Recorded]:
        """The file's records, through the shared decoding; their bytes into `bodies`."""
        rows = read_rows(conn, topic, first, limit)
        self.rows += len(rows)
        if bodies is not None:
            bodies += [body for _, _, body in rows]
        record = self._decoded.record
        return [record(topic, seq, key, body) for seq, key, body in rows]
