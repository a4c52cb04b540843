"""The newest records of a topic, read once for every subscription (ADR 0098):
whatever the subscriptions' positions and batch sizes, a poll answers what the
file holds, and the file's rows are fetched once while they stay together."""

from __future__ import annotations

import random
import sqlite3
from pathlib import Path

from eventlog_contract import (
    OTHER_TOPIC,
    TOPIC,
    created,
    handling_failed,
    new_group,
    new_stream,
)

from services.core.envelope import Envelope
from services.core.schema_registry import SchemaRegistry
from services.eventlog import sqlite_rows as rows
from services.eventlog.port import Recorded
from services.eventlog.sqlite import SqliteEventLog
from services.eventlog.sqlite_decoded import DecodedRecords
from services.eventlog.sqlite_tail import TopicTails

_REGISTRY = SchemaRegistry()


async def test_subscriptions_fetch_the_new_rows_once(log: SqliteEventLog) -> None:
    await log.append([created(new_stream(), 1) for _ in range(5)])
    subs = [await log.subscribe(new_group(), [TOPIC]) for _ in range(4)]
    before = log.tails.rows
    batches = [await s.poll(timeout=1) for s in subs]
    assert all(len(b.records) == 5 for b in batches)
    assert all(x is y for b in batches[1:] for x, y in zip(b.records, batches[0].records,
                                                            strict=True))
    # the first poll fetched five rows; each other one only the tail's last row, again
    assert log.tails.rows - before == 5 + 3


def _offsets(found: list[Recorded]) -> list[int]:
    return [r.offset for r in found]


async def test_any_polls_answer_what_the_file_holds(log: SqliteEventLog) -> None:
    """Subscriptions at random positions, with random batch sizes, interleaved with
    appends to two topics, through a small tail: each read equals the file's."""
    conn = log._reader
    assert conn is not None
    tails = TopicTails(DecodedRecords(size=16), size=24)
    rng = random.Random(98)
    cursors = {(n, t): 0 for n in range(5) for t in (TOPIC, OTHER_TOPIC)}
    for _ in range(400):
        if rng.random() < 0.3:
            topic = rng.choice((TOPIC, OTHER_TOPIC))
            await log.append([_in(topic) for _ in range(rng.randint(1, 7))])
        key = rng.choice(list(cursors))
        if rng.random() < 0.05:  # a jump, as a reset group or a new assignment
            cursors[key] = rng.randint(0, rows.end(conn, key[1]) + 3)
        limit = rng.randint(1, 12)
        got = tails.read(conn, key[1], cursors[key], limit)
        want = rows.read(conn, key[1], cursors[key], limit)
        assert _offsets(got) == _offsets(want)
        assert [r.event for r in got] == [r.event for r in want]
        if got:
            cursors[key] = got[-1].offset + 1


def _in(topic: str) -> Envelope:
    return created(new_stream(), 1) if topic == TOPIC else handling_failed(new_stream(), 1)


async def test_a_tail_from_another_file_is_dropped(tmp_path: Path) -> None:
    """The same offsets in another file (a copy replaced under the process): the
    records the file holds, never the tail's."""
    one, two = (SqliteEventLog(tmp_path / f"{n}.db", key_for=_REGISTRY.key)
                for n in ("one", "two"))
    for log in (one, two):
        await log.start()
        await log.append([created(new_stream(), 1) for _ in range(3)])
    try:
        tails = TopicTails(DecodedRecords())
        first = tails.read(_conn(one), TOPIC, 0, 10)
        await two.append([created(new_stream(), 1)])
        second = tails.read(_conn(two), TOPIC, first[1].offset, 10)
        assert [r.event for r in second] == [r.event for r in rows.read(
            _conn(two), TOPIC, first[1].offset, 10)]
        assert {r.event.event_id for r in second}.isdisjoint(r.event.event_id for r in first)
    finally:
        await one.close()
        await two.close()


def _conn(log: SqliteEventLog) -> sqlite3.Connection:
    assert log._reader is not None
    return log._reader


async def test_a_poll_past_the_tail_reads_from_its_own_position(log: SqliteEventLog) -> None:
    """A subscription that jumped ahead of the tail (a reset group, another
    assignment) gets the records from where it stands, not from the tail's end."""
    await log.append([created(new_stream(), 1) for _ in range(10)])
    conn = _conn(log)
    every = rows.read(conn, TOPIC, 0, 100)
    tails = TopicTails(DecodedRecords())
    assert _offsets(tails.read(conn, TOPIC, 0, 3)) == _offsets(every[:3])
    assert _offsets(tails.read(conn, TOPIC, every[6].offset, 10)) == _offsets(every[6:])
    assert _offsets(tails.read(conn, TOPIC, every[3].offset, 2)) == _offsets(every[3:5])
