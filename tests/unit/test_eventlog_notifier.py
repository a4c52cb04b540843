"""The SQLite log wakes only the pollers of the topics a commit appended to
(ADR 0019): a commit of ballots no longer sends every projection worker to
query the log for nothing."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, datetime
from pathlib import Path

import pytest

from services.core.envelope import Actor, Envelope
from services.eventlog.sqlite import SqliteEventLog
from services.eventlog.sqlite_writer import Notifier


async def test_a_commit_wakes_the_waiters_of_its_topics_only() -> None:
    notifier = Notifier()
    votes = notifier.waiter(frozenset({"vote.events"}))
    deposits = notifier.waiter(frozenset({"deposit.events", "moderation.events"}))
    anything = notifier.waiter(None)
    notifier.notify_all(frozenset({"vote.events"}))
    await asyncio.sleep(0)
    assert votes.done() and anything.done() and not deposits.done()
    notifier.notify_all(None)  # a commit that does not say (or the log closing)
    assert deposits.done()


async def test_the_topics_waited_on_are_the_union_of_the_waiters() -> None:
    notifier = Notifier()  # what the log's look at the file checks (ADR 0092)
    assert notifier.waited_topics() == frozenset()
    notifier.waiter(frozenset({"vote.events"}))
    deposits = notifier.waiter(frozenset({"deposit.events", "moderation.events"}))
    assert notifier.waited_topics() == {"vote.events", "deposit.events", "moderation.events"}
    notifier.discard(deposits)
    assert notifier.waited_topics() == {"vote.events"}
    notifier.waiter(None)
    assert notifier.waited_topics() is None  # one waits on any topic


def ballot(n: int) -> Envelope:
    return Envelope(type="vote.BallotCast", schema_version=1, stream=f"ballot-{n}",
                    stream_version=1, data={"n": n}, actor=Actor("p-1", "participant"),
                    occurred_at=datetime(2026, 12, 1, tzinfo=UTC), correlation_id="c")


async def test_an_append_wakes_its_topic_s_poller_and_not_the_others(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    log = SqliteEventLog(tmp_path / "events.db")
    await log.start()
    try:
        votes = await log.subscribe("vote.tallies", ["vote.events"])
        deposits = await log.subscribe("deposit.contributions", ["deposit.events"])
        # The topics pollers read, counted where a poll reads them: the log's other
        # queries (its look at the file, ADR 0092, which goes to a thread when the
        # loop's connection is busy) are not a poller's and must not count.
        # Pollers read through the topics' shared tails (ADR 0098).
        read_topics: list[str] = []
        original = log.tails.read

        def counting(conn, topic, *rest):  # type: ignore[no-untyped-def]
            read_topics.append(topic)
            return original(conn, topic, *rest)
        monkeypatch.setattr(log.tails, "read", counting)
        # Both wait far longer than the append takes, even with a slow fsync: the
        # deposits poller must still be waiting, not woken, when the ballot is read.
        waiting = asyncio.create_task(deposits.poll(timeout=30.0))
        polled = asyncio.create_task(votes.poll(timeout=30.0))
        # What precedes the append must be over before counting, or it would count
        # as a wake-up: each poller's first read (on a loaded machine later than
        # any fixed sleep: it may go to a thread), and the file watch's first look,
        # which knows nothing of what was read and wakes every waiter once (ADR
        # 0092), after which each poller reads again.
        for _ in range(500):
            if log._watch.looks >= 1 and all(
                    read_topics.count(t) >= 2 for t in ("vote.events", "deposit.events")):
                break
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.01)
        read_topics.clear()
        await log.append([ballot(1)])
        batch = await asyncio.wait_for(polled, 5.0)
        assert [r.event.stream for r in batch.records] == ["ballot-1"]
        await asyncio.sleep(0.05)
        assert not waiting.done()
        assert read_topics == ["vote.events"]  # the vote poller's read only
        waiting.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await waiting
    finally:
        await log.close()
