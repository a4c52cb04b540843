"""Rows of the SQLite event log: the schema and the statements the adapter runs.
Plain functions of a connection, so the writer thread and readers share them."""

from __future__ import annotations

import functools
import sqlite3
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import orjson

from services.core.envelope import Envelope
from services.core.errors import ConcurrencyConflict
from services.core.slotted import maker
from services.core.values import iso
from services.eventlog.port import Recorded
from services.eventlog.sqlite_versions import CommittedVersions

KeyFn = Callable[[Envelope], str]
_new_record = maker(Recorded)  # one per event written or read (ADR 0112)

SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
    seq INTEGER PRIMARY KEY,  -- the offset: the rowid, see SqliteEventLog
    topic TEXT NOT NULL,
    event_id TEXT NOT NULL UNIQUE,
    stream TEXT NOT NULL,
    stream_version INTEGER NOT NULL,
    key TEXT NOT NULL,
    body BLOB NOT NULL,
    UNIQUE (stream, stream_version)
);
CREATE INDEX IF NOT EXISTS events_by_topic ON events (topic, seq);
-- the log's identity: made once with the file, kept by copies of it (ADR 0032)
CREATE TABLE IF NOT EXISTS log_meta (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;
INSERT OR IGNORE INTO log_meta (name, value)
    VALUES ('log_id', lower(hex(randomblob(16))));
CREATE TABLE IF NOT EXISTS checkpoints (
    grp TEXT NOT NULL,
    topic TEXT NOT NULL,
    next_offset INTEGER NOT NULL,
    PRIMARY KEY (grp, topic)
) WITHOUT ROWID;
"""

# Rows per INSERT statement: 6 parameters each, well under SQLite's 32,766.
ROWS_PER_STATEMENT = 500
_INSERT = "INSERT INTO events (topic, event_id, stream, stream_version, key, body) VALUES "


def needs_savepoint(events: Sequence[Envelope]) -> bool:
    """An append of one statement is atomic by itself; a longer one needs a savepoint."""
    return len(events) > ROWS_PER_STATEMENT


def append_in(
    conn: sqlite3.Connection,
    events: Sequence[Envelope],
    expect: Mapping[str, int],
    key_for: KeyFn,
) -> list[Recorded]:
    """Append inside the writer's open transaction. Raises `ConcurrencyConflict`
    having written nothing; a batch of at most ROWS_PER_STATEMENT events is one
    INSERT, so a refusal leaves nothing behind even without a savepoint."""
    for stream, expected in expect.items():
        actual = version(conn, stream)
        if actual != expected:
            known = _known(conn, [e.event_id for e in events])
            if events and all(e.event_id in known for e in events):
                return [known[e.event_id] for e in events]  # a retry, not a conflict
            raise ConcurrencyConflict(stream, expected, actual)
    now = datetime.now(UTC)
    stored = list(events)
    try:
        return _insert(conn, stored, key_for, now)
    except sqlite3.IntegrityError:
        pass  # an event already written (a retry), or a stream version taken
    known = _known(conn, [e.event_id for e in events])
    fresh: dict[str, Envelope] = {}
    for e in stored:
        if e.event_id not in known:
            fresh.setdefault(e.event_id, e)
    try:
        written = _insert(conn, list(fresh.values()), key_for, now)
    except sqlite3.IntegrityError:
        raise _conflict(conn, list(fresh.values())) from None
    by_id = {**known, **{r.event.event_id: r for r in written}}
    return [by_id[e.event_id] for e in events]


AppendRequest = tuple[Sequence[Envelope], Mapping[str, int]]


def append_batch(
    conn: sqlite3.Connection,
    requests: list[AppendRequest],
    key_for: KeyFn,
    committed: CommittedVersions,
) -> list[tuple[bool, Any]] | None:
    """Many appends in one go: the expected versions this connection does not
    remember read in one query, one INSERT for every accepted event. Returns None
    (having to be rolled back) when a request needs `append_in` one by one: an
    event already written or written twice in this group, or a stream version taken.
    The rows' parameters are built while checking, in one pass (ADR 0091).
    """
    committed.begin(conn)
    expected = {s for _, expect in requests for s in expect}
    versions, missing = committed.known(expected)
    if missing:
        versions.update(_versions(conn, missing))
    now = datetime.now(UTC)
    stamp = iso(now)
    in_group: set[str] = set()
    # per request, in order: its outcome when refused, else None
    refused: list[tuple[bool, Any] | None] = []
    accepted: list[Envelope] = []
    params: list[Any] = []  # six a row, the INSERT's
    unsure: set[str] = set()  # streams written without an expected version
    for events, expect in requests:
        stale = None
        for s, v in expect.items():
            if versions.get(s, 0) != v:
                stale = (s, v)
                break
        if len(events) == 1:  # the usual request: no set to build
            event_id = events[0].event_id
            if event_id in in_group:
                return None
            in_group.add(event_id)
            ids: Sequence[str] = (event_id,)
        else:
            id_set = {e.event_id for e in events}
            if id_set & in_group or len(id_set) < len(events):
                return None
            in_group |= id_set
            ids = list(id_set)
        if stale is not None:
            known = _known(conn, ids)
            if events and len(known) == len(ids):
                refused.append((True, [known[e.event_id] for e in events]))  # a retry
            else:
                s, v = stale
                refused.append((False, ConcurrencyConflict(s, v, versions.get(s, 0))))
            continue
        refused.append(None)
        for e in events:
            stream, version_ = e.stream, e.stream_version
            if versions.get(stream, 0) < version_:
                versions[stream] = version_
            if stream not in expected:
                unsure.add(stream)
            params += (e.topic, e.event_id, stream, version_, key_for(e),
                       bytearray(e.encode(stamp)))  # bound at once: see _insert
        accepted += events
    written = _insert_params(conn, accepted, params, now)
    outcomes: list[tuple[bool, Any]] = []
    at = 0
    for (events, _), outcome in zip(requests, refused, strict=True):
        if outcome is None:
            n = len(events)
            outcome = (True, written[at : at + n])
            at += n
        outcomes.append(outcome)
    committed.written(versions, expected, unsure)  # remembered once the group commits
    return outcomes


def _versions(conn: sqlite3.Connection, streams: Sequence[str]) -> dict[str, int]:
    if not streams:
        return {}
    # One max() per stream: SQLite answers each from the end of the
    # (stream, stream_version) index, where a GROUP BY would scan every version.
    rows = conn.execute(
        "SELECT value, (SELECT max(stream_version) FROM events WHERE stream = value)"
        " FROM json_each(?)",
        (_json_list(streams),),
    ).fetchall()
    return {s: int(v or 0) for s, v in rows}


def _insert(
    conn: sqlite3.Connection, events: list[Envelope], key_for: KeyFn, now: datetime
) -> list[Recorded]:
    """Insert `events` (not yet stamped) recorded at `now`. The timestamp is
    formatted once for the whole group; each body is `recorded(now).to_json()`,
    encoded without building the stamped envelope first (ADR 0072). The body goes
    to SQLite as a bytearray, stored as the same BLOB: sqlite3 binds `bytes` only
    after looking for an adapter, a failed attribute lookup whose error message it
    formats and drops (~0.4 us a value); a bytearray it binds at once (ADR 0114).
    A statement's rows are encoded just before it: a large append (a Pol.is
    conversation's hundreds of thousands of votes) holds one statement's bodies at
    a time, not every body of the append beside its events."""
    stamp = iso(now)
    return _by_statement(conn, events, now, lambda chunk, _: _params(chunk, key_for, stamp))


def _params(events: list[Envelope], key_for: KeyFn, stamp: str) -> list[Any]:
    """The INSERT's parameters of `events`, six a row, each body stamped `stamp`."""
    params: list[Any] = []
    for e in events:
        params += (e.topic, e.event_id, e.stream, e.stream_version, key_for(e),
                   bytearray(e.encode(stamp)))
    return params


def _insert_params(
    conn: sqlite3.Connection, events: list[Envelope], params: list[Any], now: datetime
) -> list[Recorded]:
    """Insert `events` from their rows' `params` (six each). Answers their records,
    stamped with `now`."""
    return _by_statement(conn, events, now,
                         lambda chunk, i: params[6 * i : 6 * (i + len(chunk))])


def _by_statement(
    conn: sqlite3.Connection, events: list[Envelope], now: datetime,
    params_of: Callable[[list[Envelope], int], list[Any]],
) -> list[Recorded]:
    """`events` inserted ROWS_PER_STATEMENT rows a statement, each statement's
    parameters given by `params_of(its events, the index of its first)` just
    before it is run."""
    out: list[Recorded] = []
    for i in range(0, len(events), ROWS_PER_STATEMENT):
        chunk = events[i : i + ROWS_PER_STATEMENT]
        out += _insert_chunk(conn, chunk, params_of(chunk, i), now)
    return out


def _insert_chunk(
    conn: sqlite3.Connection, events: list[Envelope], params: list[Any], now: datetime
) -> list[Recorded]:
    if not events:
        return []
    last = conn.execute(_insert_sql(len(events)), params).lastrowid
    assert last is not None
    # We hold the write lock and never delete, so the rows of one statement
    # took consecutive rowids ending at the last one. Topic and key are read
    # back from the statement's parameters (six a row).
    first = last - len(events) + 1
    return [_new_record(e.recorded(now), params[6 * n], 0, first + n, params[6 * n + 4])
            for n, e in enumerate(events)]


@functools.lru_cache(maxsize=64)
def _insert_sql(rows: int) -> str:
    return _INSERT + ", ".join(["(?, ?, ?, ?, ?, ?)"] * rows)


def _conflict(conn: sqlite3.Connection, events: list[Envelope]) -> ConcurrencyConflict:
    """The conflict that made an insert of `events` fail."""
    seen: set[tuple[str, int]] = set()
    for e in events:
        slot = (e.stream, e.stream_version)
        taken = conn.execute(
            "SELECT 1 FROM events WHERE stream = ? AND stream_version = ?", slot
        ).fetchone()
        if taken or slot in seen:
            return ConcurrencyConflict(e.stream, e.stream_version - 1, version(conn, e.stream))
        seen.add(slot)
    first = events[0]
    return ConcurrencyConflict(first.stream, first.stream_version - 1, version(conn, first.stream))


def read_rows(conn: sqlite3.Connection, topic: str, first: int,
              limit: int) -> list[tuple[int, str, bytes]]:
    """The rows `read` decodes, (offset, key, body): also what the subscriptions'
    shared tails fetch (sqlite_tail.py), which decode through their own cache."""
    rows: list[tuple[int, str, bytes]] = conn.execute(
        "SELECT seq, key, body FROM events WHERE topic = ? AND seq >= ? ORDER BY seq LIMIT ?",
        (topic, first, limit),
    ).fetchall()
    return rows


def read(conn: sqlite3.Connection, topic: str, first: int, limit: int) -> list[Recorded]:
    """`limit` records of `topic` from offset `first`."""
    return [_new_record(Envelope.from_json(body), topic, 0, seq, key)
            for seq, key, body in read_rows(conn, topic, first, limit)]


def stream_events(conn: sqlite3.Connection, stream: str) -> list[Envelope]:
    """One stream in version order, through the (stream, stream_version) key's index."""
    rows = conn.execute(
        "SELECT body FROM events WHERE stream = ? ORDER BY stream_version", (stream,)
    ).fetchall()
    return [Envelope.from_json(body) for (body,) in rows]


def stream_events_and_version(conn: sqlite3.Connection, stream: str,
                              other: str) -> tuple[list[Envelope], int]:
    """`stream_events(stream)` and `version(other)` in one statement, so one
    snapshot: each part a search of the (stream, stream_version) index. The
    version's row is the one without a body (a stored event always has one); the
    events are put in version order here, a compound select promising none."""
    found = conn.execute(
        "SELECT stream_version, body FROM events WHERE stream = ?"
        " UNION ALL SELECT max(stream_version), NULL FROM events WHERE stream = ?",
        (stream, other),
    ).fetchall()
    other_version = 0
    events: list[tuple[int, bytes]] = []
    for row in found:
        if row[1] is None:
            other_version = int(row[0] or 0)
        else:
            events.append(row)
    events.sort()
    return [Envelope.from_json(body) for _, body in events], other_version


def version(conn: sqlite3.Connection, stream: str) -> int:
    row = conn.execute(
        "SELECT max(stream_version) FROM events WHERE stream = ?", (stream,)
    ).fetchone()
    return int(row[0] or 0)


def end(conn: sqlite3.Connection, topic: str) -> int:
    """The next offset of `topic`: one past its last row (0 if it has none)."""
    row = conn.execute("SELECT max(seq) FROM events WHERE topic = ?", (topic,)).fetchone()
    return int(row[0]) + 1 if row[0] is not None else 0


def size(conn: sqlite3.Connection, topic: str) -> int:
    """The events of `topic` (counted along its index)."""
    return int(conn.execute("SELECT count(*) FROM events WHERE topic = ?", (topic,)).fetchone()[0])


def last_offset(conn: sqlite3.Connection) -> int:
    """The largest offset of the whole file (0 if empty): the rowid index's last entry."""
    row = conn.execute("SELECT max(seq) FROM events").fetchone()
    return int(row[0] or 0)


def topics_after(conn: sqlite3.Connection, topics: Sequence[str], after: int) -> list[str]:
    """Those of `topics` with a row past offset `after`: one lookup in the
    (topic, seq) index each, however many rows were appended."""
    return [t for (t,) in conn.execute(
        "SELECT value FROM json_each(?) WHERE EXISTS"
        " (SELECT 1 FROM events WHERE topic = value AND seq > ?)",
        (_json_list(topics), after))]


def log_id(conn: sqlite3.Connection) -> str:
    row = conn.execute("SELECT value FROM log_meta WHERE name = 'log_id'").fetchone()
    return f"sqlite:{row[0]}"


def checkpoint(conn: sqlite3.Connection, group: str, topic: str) -> int:
    row = conn.execute(
        "SELECT next_offset FROM checkpoints WHERE grp = ? AND topic = ?", (group, topic)
    ).fetchone()
    return int(row[0]) if row else 0


def lag(conn: sqlite3.Connection, group: str, topics: Sequence[str]) -> int:
    return sum(
        conn.execute(
            "SELECT count(*) FROM events WHERE topic = ? AND seq >= ?",
            (t, checkpoint(conn, group, t)),
        ).fetchone()[0]
        for t in topics
    )


def behind(conn: sqlite3.Connection, group: str, below: Mapping[str, int]) -> int:
    """The group's uncommitted events of each topic below its given offset."""
    return sum(
        conn.execute(
            "SELECT count(*) FROM events WHERE topic = ? AND seq >= ? AND seq < ?",
            (t, checkpoint(conn, group, t), end),
        ).fetchone()[0]
        for t, end in below.items()
    )


def store_checkpoints(conn: sqlite3.Connection, rows: list[tuple[str, str, int]]) -> None:
    conn.executemany(
        "INSERT INTO checkpoints (grp, topic, next_offset) VALUES (?, ?, ?)"
        " ON CONFLICT (grp, topic) DO UPDATE SET next_offset = excluded.next_offset",
        rows,
    )


def _known(conn: sqlite3.Connection, event_ids: Sequence[str]) -> dict[str, Recorded]:
    """Records already in the log among `event_ids`, marked as duplicates."""
    found: dict[str, Recorded] = {}
    rows: list[Any] = conn.execute(
        "SELECT event_id, seq, topic, key, body FROM events"
        " WHERE event_id IN (SELECT value FROM json_each(?))",
        (_json_list(event_ids),),
    ).fetchall()
    for event_id, seq, topic, key, body in rows:
        found[event_id] = Recorded(Envelope.from_json(body), topic, 0, seq, key, duplicate=True)
    return found


def _json_list(values: Sequence[str]) -> str:
    return orjson.dumps(list(values)).decode()
