"""The event-log contract on SQLite, plus what only SQLite promises: group commit,
failure isolation inside a group, disk full, durability across reopen, several
processes on one file."""

from __future__ import annotations

import asyncio
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from eventlog_contract import (
    OTHER_TOPIC,
    TOPIC,
    EventLogContract,
    created,
    new_group,
    new_stream,
)

from services.core.errors import ConcurrencyConflict, EventLogUnavailable
from services.core.schema_registry import SchemaRegistry
from services.eventlog.port import EventLog
from services.eventlog.sqlite import FILE_POLL_INTERVAL, SqliteEventLog, connect
from services.eventlog.sqlite_decoded import DecodedRecords

_REGISTRY = SchemaRegistry()


class TestSqliteEventLog(EventLogContract):
    @pytest.fixture(autouse=True)
    def _dir(self, tmp_path: Path) -> None:
        self.path = tmp_path / "events.db"

    async def make_log(self) -> EventLog:
        return SqliteEventLog(self.path, key_for=_REGISTRY.key)


async def test_concurrent_appends_share_commits(log: SqliteEventLog) -> None:
    before = log.commits
    await asyncio.gather(*(log.append([created(new_stream(), 1)]) for _ in range(200)))
    assert log.commits - before < 100  # 200 appends, far fewer fsyncs


def test_a_groups_savepoint_journal_stays_in_memory(tmp_path: Path) -> None:
    # Spilled to a temporary file past 64 KiB, it cost a fifth of an append's CPU
    # (ADR 0117); a file per group is invisible from outside, so the setting is checked.
    conn = connect(tmp_path / "events.db")
    try:
        assert conn.execute("PRAGMA temp_store").fetchone()[0] == 2  # MEMORY
    finally:
        conn.close()


async def test_a_group_answers_each_request_with_its_own_records(log: SqliteEventLog) -> None:
    """A group's records are sliced from one INSERT's rows (ADR 0072): each caller
    gets its own events, stamped, at the offsets the log holds them."""
    requests = [[created(new_stream(), 1)] for _ in range(40)]
    several = new_stream()
    requests.insert(7, [created(several, v) for v in (1, 2, 3)])
    start = await log.ends(TOPIC)
    before = log.commits
    answers = await asyncio.gather(*(log.append(events) for events in requests))
    assert log.commits - before < len(requests)  # they shared groups
    stored = {r.event.event_id: r for r in await log.read(TOPIC, start=start)}
    for events, answer in zip(requests, answers, strict=True):
        assert [r.event.event_id for r in answer] == [e.event_id for e in events]
        for r in answer:
            held = stored[r.event.event_id]
            assert (r.offset, r.topic, r.key) == (held.offset, TOPIC, held.key)
            assert r.event.recorded_at is not None and r.event == held.event
            assert not r.duplicate
    assert [r.offset for r in answers[7]] == [answers[7][0].offset + n for n in range(3)]


async def test_a_conflict_fails_only_its_own_request_in_a_group(log: SqliteEventLog) -> None:
    taken, half = new_stream(), new_stream()
    await log.append([created(taken, 1)])
    others = [new_stream() for _ in range(30)]
    results = await asyncio.gather(
        log.append([created(taken, 2)], expect={taken: 0}),  # stale: refused
        log.append([created(half, 1), created(taken, 1)]),  # fails after a first insert
        *(log.append([created(s, 1)], expect={s: 0}) for s in others),
        return_exceptions=True,
    )
    assert isinstance(results[0], ConcurrencyConflict)
    assert isinstance(results[1], ConcurrencyConflict)
    assert all(isinstance(r, list) for r in results[2:])
    assert await log.stream_version(half) == 0
    for s in others:
        assert await log.stream_version(s) == 1
    assert await log.stream_version(taken) == 1


async def test_acknowledged_events_survive_a_reopen(tmp_path: Path) -> None:
    path = tmp_path / "events.db"
    first = SqliteEventLog(path, key_for=_REGISTRY.key)
    stream = new_stream()
    recorded = await first.append([created(stream, v) for v in (1, 2, 3)])
    sub = await first.subscribe("g", [TOPIC])
    batch = await sub.poll(timeout=1)
    await sub.commit(batch)
    await first.close()

    again = SqliteEventLog(path, key_for=_REGISTRY.key)
    try:
        assert await again.read(TOPIC) == recorded
        assert await again.stream_version(stream) == 3
        sub = await again.subscribe("g", [TOPIC])
        assert await sub.lag() == 0
        assert (await sub.poll(timeout=0.1)).records == []
    finally:
        await again.close()


async def test_close_writes_what_was_queued(tmp_path: Path) -> None:
    path = tmp_path / "events.db"
    log = SqliteEventLog(path)
    await log.start()
    pending = [asyncio.create_task(log.append([created(new_stream(), 1)])) for _ in range(50)]
    await asyncio.sleep(0)  # let every task enqueue its request
    await log.close()
    acked = [r for rs in await asyncio.gather(*pending) for r in rs]
    with pytest.raises(EventLogUnavailable):
        await log.append([created(new_stream(), 1)])
    reopened = SqliteEventLog(path)
    try:
        assert len(await reopened.read(TOPIC)) == len(acked) == 50
    finally:
        await reopened.close()


async def test_disk_full_fails_closed_and_acknowledges_nothing(tmp_path: Path) -> None:
    path = tmp_path / "events.db"
    log = SqliteEventLog(path, max_pages=40)  # about 160 KiB with 4 KiB pages
    acked: list[str] = []
    refused: list[str] = []
    try:
        for _ in range(100):
            batch = [created(new_stream(), 1) for _ in range(20)]
            try:
                await log.append(batch)
            except EventLogUnavailable:
                refused += [e.event_id for e in batch]
                break
            acked += [e.event_id for e in batch]
        assert refused, "the size cap was never reached"
        with pytest.raises(EventLogUnavailable):
            await log.ping()  # not ready while writes fail
    finally:
        await log.close()

    reopened = SqliteEventLog(path)
    try:
        stored = {r.event.event_id for r in await reopened.read(TOPIC, limit=100_000)}
    finally:
        await reopened.close()
    assert stored == set(acked)
    assert not stored & set(refused)


async def test_a_second_log_on_the_same_file_sees_appends(tmp_path: Path) -> None:
    path = tmp_path / "events.db"
    reader = SqliteEventLog(path)
    writer = SqliteEventLog(path)
    try:
        await reader.start()
        sub = await reader.subscribe(new_group(), [TOPIC])
        event = created(new_stream(), 1)
        task = asyncio.create_task(sub.poll(timeout=5))
        await asyncio.sleep(0.05)
        await writer.append([event])  # no in-process wake-up: found by polling the file
        batch = await task
        assert [r.event.event_id for r in batch.records] == [event.event_id]
    finally:
        await writer.close()
        await reader.close()


_OTHER_PROCESS = """
import asyncio, sys
from services.eventlog.sqlite import FILE_POLL_INTERVAL, SqliteEventLog
from services.eventlog.sqlite_decoded import DecodedRecords
sys.path.insert(0, sys.argv[2])
from eventlog_contract import created, new_stream

async def main():
    log = SqliteEventLog(sys.argv[1])
    for _ in range(50):
        await log.append([created(new_stream(), 1), created(new_stream(), 1)])
    await log.close()

asyncio.run(main())
"""


async def test_two_processes_append_to_one_file(tmp_path: Path) -> None:
    path = tmp_path / "events.db"
    log = SqliteEventLog(path)
    await log.start()
    here = str(Path(__file__).parent)
    proc = subprocess.Popen([sys.executable, "-c", _OTHER_PROCESS, str(path), here])
    try:
        for _ in range(100):
            await log.append([created(new_stream(), 1)])
        assert await asyncio.to_thread(proc.wait, 60) == 0
        records = await log.read(TOPIC, limit=10_000)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
        await log.close()
    assert len(records) == 200
    offsets = [r.offset for r in records]
    assert offsets == sorted(set(offsets))
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        conn.close()


async def test_requests_in_one_group_see_each_other(log: SqliteEventLog) -> None:
    stream, other = new_stream(), new_stream()
    blocker = sqlite3.connect(log.path, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")  # the writer waits: the requests queue up
    before = log.commits
    pending = asyncio.gather(
        log.append([created(stream, 1)], expect={stream: 0}),
        log.append([created(stream, 2)], expect={stream: 1}),  # follows the first
        log.append([created(stream, 2)], expect={stream: 1}),  # loses to the second
        log.append([created(other, 1)], expect={other: 0}),
        log.append([created(other, 1)]),  # same slot, no expectation: refused
        return_exceptions=True,
    )
    await asyncio.sleep(0.1)
    blocker.execute("ROLLBACK")
    blocker.close()
    results = await pending
    assert log.commits - before <= 2
    assert [type(r).__name__ for r in results] == [
        "list", "list", "ConcurrencyConflict", "list", "ConcurrencyConflict"]
    assert await log.stream_version(stream) == 2
    assert await log.stream_version(other) == 1


async def test_identity_is_kept_by_a_copy_of_the_file_and_new_for_another(
    tmp_path: Path,
) -> None:
    first = SqliteEventLog(tmp_path / "events.db")
    other = SqliteEventLog(tmp_path / "other.db")
    try:
        await first.append([created(new_stream(), 1)])
        await first.close()
        (tmp_path / "copy.db").write_bytes((tmp_path / "events.db").read_bytes())
        copy = SqliteEventLog(tmp_path / "copy.db")
        reopened = SqliteEventLog(tmp_path / "events.db")
        try:
            assert await copy.identity() == await reopened.identity()
            assert await other.identity() != await reopened.identity()
        finally:
            await copy.close()
            await reopened.close()
    finally:
        await other.close()


async def _in_one_group(log: SqliteEventLog, *appends: Any) -> list[Any]:
    """Run `appends` (coroutines of `log.append`) as one group: another connection
    holds the write lock until they are all queued."""
    blocker = sqlite3.connect(log.path, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    pending = asyncio.gather(*appends, return_exceptions=True)
    await asyncio.sleep(0.1)
    blocker.execute("ROLLBACK")
    blocker.close()
    return list(await pending)


async def test_a_group_sees_versions_another_log_wrote_meanwhile(tmp_path: Path) -> None:
    # A group reads from the file only the versions its connection does not
    # remember having committed (ADR 0072); another log on the file (another
    # process) must make it read them all again.
    ours, theirs = SqliteEventLog(tmp_path / "events.db"), SqliteEventLog(tmp_path / "events.db")
    stream = new_stream()
    try:
        await ours.start()
        await theirs.start()
        first = await _in_one_group(ours, ours.append([created(stream, 1)], expect={stream: 0}),
                                    ours.append([created(new_stream(), 1)]))
        assert all(isinstance(r, list) for r in first)
        await theirs.append([created(stream, 2)], expect={stream: 1})
        after = await _in_one_group(
            ours, ours.append([created(stream, 3)], expect={stream: 2}),
            ours.append([created(stream, 3)], expect={stream: 1}),
            ours.append([created(new_stream(), 1)]))
        assert [type(r).__name__ for r in after] == ["list", "ConcurrencyConflict", "list"]
        assert await ours.stream_version(stream) == 3
    finally:
        await theirs.close()
        await ours.close()


async def test_a_group_sees_versions_written_one_request_at_a_time(log: SqliteEventLog) -> None:
    # A request alone in its group goes the one-by-one way, which the remembered
    # versions do not follow: they must be forgotten.
    stream = new_stream()
    await _in_one_group(log, log.append([created(stream, 1)], expect={stream: 0}),
                        log.append([created(new_stream(), 1)]))
    await log.append([created(stream, 2)], expect={stream: 1})  # a group of one
    after = await _in_one_group(log, log.append([created(stream, 3)], expect={stream: 2}),
                                log.append([created(new_stream(), 1)]))
    assert all(isinstance(r, list) for r in after), after
    assert await log.stream_version(stream) == 3


async def test_a_group_remembers_the_versions_its_refused_and_unexpected_writes_leave(
    log: SqliteEventLog,
) -> None:
    # A group remembers the version of every stream it checked, refused requests'
    # included, and forgets a stream it wrote without an expected version (ADR 0091):
    # the next groups must be judged on the file's truth either way.
    checked, loose = new_stream(), new_stream()
    await _in_one_group(log, log.append([created(checked, 1)], expect={checked: 0}),
                        log.append([created(loose, 1)], expect={loose: 0}))  # both remembered
    first = await _in_one_group(
        log, log.append([created(checked, 2)], expect={checked: 0}),  # stale: refused
        log.append([created(loose, 2)]),  # no expected version: loose is no longer known
        log.append([created(new_stream(), 1)]))
    assert [type(r).__name__ for r in first] == ["ConcurrencyConflict", "list", "list"]
    after = await _in_one_group(
        log, log.append([created(checked, 2)], expect={checked: 1}),
        log.append([created(loose, 3)], expect={loose: 1}),  # stale: loose is at 2
        log.append([created(loose, 3)], expect={loose: 2}),
        log.append([created(checked, 2)], expect={checked: 0}))
    assert [type(r).__name__ for r in after] == [
        "list", "ConcurrencyConflict", "list", "ConcurrencyConflict"], after
    assert (await log.stream_version(checked), await log.stream_version(loose)) == (2, 3)


async def test_subscriptions_share_the_records_they_decode(log: SqliteEventLog) -> None:
    events = [created(new_stream(), 1) for _ in range(5)]
    await log.append(events)
    first = await log.subscribe(new_group(), [TOPIC])
    second = await log.subscribe(new_group(), [TOPIC])
    before = log.decoded.decoded
    one, two = await first.poll(timeout=1), await second.poll(timeout=1)
    assert [r.event.event_id for r in two.records] == [e.event_id for e in events]
    assert all(x is y for x, y in zip(one.records, two.records, strict=True))
    assert log.decoded.decoded - before == 5  # parsed by the first poll only


def test_a_record_is_reused_only_for_the_same_bytes_at_its_offset() -> None:
    decoded = DecodedRecords(size=2)
    a, b = created(new_stream(), 1), created(new_stream(), 1)
    first = decoded.record(TOPIC, 7, "k", a.to_json())
    assert decoded.record(TOPIC, 7, "k", a.to_json()) is first
    other = decoded.record(TOPIC, 7, "k", b.to_json())  # another file's row at offset 7
    assert other.event.event_id == b.event_id
    for seq in range(8, 12):  # two generations of two: offset 7 is forgotten
        decoded.record(TOPIC, seq, "k", a.to_json())
    assert decoded.record(TOPIC, 7, "k", b.to_json()) is not other
    assert decoded.decoded == 7


async def test_waiting_subscriptions_share_one_look_at_the_file(tmp_path: Path) -> None:
    """Appends of another log on the file (another process) wake the subscribers of
    their topic through one look per interval for all of them, on the loop: a
    subscription with nothing to read does not query the log in a thread every
    interval (ADR 0092; twenty idle workers used to run ~260 queries a second)."""
    path = tmp_path / "events.db"
    reader, writer = SqliteEventLog(path), SqliteEventLog(path)
    try:
        await reader.start()
        await writer.start()
        idle = [await reader.subscribe(new_group(), [OTHER_TOPIC]) for _ in range(8)]
        sub = await reader.subscribe(new_group(), [TOPIC])
        queries = 0
        real_query = reader._query

        async def counted(fn: Any) -> Any:
            nonlocal queries
            queries += 1
            return await real_query(fn)

        reader._query = counted  # type: ignore[method-assign]
        waiting = [asyncio.create_task(s.poll(timeout=0.6)) for s in idle]
        task = asyncio.create_task(sub.poll(timeout=5))
        await asyncio.sleep(0.25)
        event = created(new_stream(), 1)
        await writer.append([event])  # no in-process wake-up: found by the look
        batch = await asyncio.wait_for(task, 1)
        assert [r.event.event_id for r in batch.records] == [event.event_id]
        assert all(not b.records for b in await asyncio.gather(*waiting))
        # a read per subscription when it started polling, another when the first
        # look woke every waiter (it knows nothing of what they read), and the woken
        # one's read of the append; one per interval each was some 70
        assert queries <= 2 * (len(idle) + 1) + 1, queries
        assert reader._watch.looks <= 0.6 / FILE_POLL_INTERVAL + 2
    finally:
        await writer.close()
        await reader.close()


async def test_the_look_at_the_file_stops_when_nobody_waits(log: SqliteEventLog) -> None:
    sub = await log.subscribe(new_group(), [TOPIC])
    await sub.poll(timeout=0.2)
    await asyncio.sleep(3 * FILE_POLL_INTERVAL)
    looks = log._watch.looks
    await asyncio.sleep(3 * FILE_POLL_INTERVAL)
    assert log._watch.looks == looks  # no task left looking for nobody
    assert not log._watch._lookers and not log._watch._waiting
