"""The group writer's two paths for a payload (ADR 0112): with the group's other
payloads through `batch_work`, or alone through `one_work`, each request answered
with its own outcome, in order."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import Callable
from typing import Any

import pytest

from services.eventlog.sqlite_writer import GroupWriter, Outcome


class Calls:
    def __init__(self, batch_takes: bool) -> None:
        self.batch_takes = batch_takes
        self.batches: list[list[Any]] = []
        self.alone: list[Any] = []

    def batch(self, conn: sqlite3.Connection, payloads: list[Any]) -> list[Outcome] | None:
        self.batches.append(payloads)
        if not self.batch_takes:
            return None
        return [(True, f"batched {p}") for p in payloads]

    def one(self, conn: sqlite3.Connection, payload: Any) -> str:
        self.alone.append(payload)
        if payload == "refused":
            raise ValueError("refused alone")
        return f"alone {payload}"


def writer(calls: Calls, *, one_work: bool = True) -> GroupWriter:
    conn = sqlite3.connect(":memory:", isolation_level=None, check_same_thread=False)
    return GroupWriter(conn, lambda topics: None, calls.batch,
                       one_work=calls.one if one_work else None)


async def test_payloads_of_one_group_are_batched_and_each_gets_its_outcome() -> None:
    calls = Calls(batch_takes=True)
    w = writer(calls)
    answers = [w.submit(None, payload=n, wakes=False) for n in ("a", "b")]
    answers.append(w.submit(lambda conn: "plain work", wakes=False))
    assert await asyncio.gather(*answers) == ["batched a", "batched b", "plain work"]
    assert calls.batches == [["a", "b"]] and calls.alone == []
    await w.stop()


async def test_a_payload_the_batch_cannot_take_is_written_alone_by_one_work() -> None:
    calls = Calls(batch_takes=False)
    w = writer(calls)
    answers = [w.submit(None, payload=n, wakes=False) for n in ("a", "refused", "c")]
    done = await asyncio.gather(*answers, return_exceptions=True)
    assert done[0] == "alone a" and done[2] == "alone c"
    assert isinstance(done[1], ValueError)  # refused alone, the others committed
    assert calls.alone == ["a", "refused", "c"]
    alone = await w.submit(None, payload="single", wakes=False)  # alone in its group
    assert alone == "alone single"
    await w.stop()


async def test_a_payload_without_work_needs_a_one_work() -> None:
    w = writer(Calls(batch_takes=True), one_work=False)
    with pytest.raises(ValueError, match="one_work"):
        w.submit(None, payload="a")
    with pytest.raises(ValueError, match="payload"):
        writer(Calls(batch_takes=True)).submit(None)  # type: ignore[call-overload]
    await w.stop()


class CommitWaitsFor(sqlite3.Connection):
    """A connection whose COMMIT waits (on the writer's thread) until `made` is set,
    as a COMMIT waits for the disk, and records whether it was."""

    made: threading.Event
    seen_made: bool | None = None

    def execute(self, sql: str, *args: Any) -> sqlite3.Cursor:
        if sql == "COMMIT":
            self.seen_made = self.made.wait(timeout=2)
        return super().execute(sql, *args)


async def test_a_deferred_batch_is_answered_with_outcomes_made_while_the_commit_waits() -> None:
    conn = sqlite3.connect(":memory:", isolation_level=None, check_same_thread=False,
                           factory=CommitWaitsFor)
    conn.made = threading.Event()

    def batch(conn: sqlite3.Connection, payloads: list[Any]) -> Callable[[], list[Outcome]]:
        def outcomes() -> list[Outcome]:
            made.set()  # the COMMIT below is still waiting for this
            return [(True, f"made {p}") for p in payloads]
        return outcomes

    made = conn.made
    w = GroupWriter(conn, lambda topics: None, batch, one_work=lambda conn, p: p)
    answers = [w.submit(None, payload=n, wakes=False) for n in ("a", "b")]
    assert await asyncio.gather(*answers) == ["made a", "made b"]
    assert conn.seen_made is True
    await w.stop()


async def test_deferred_outcomes_that_fail_answer_every_caller_and_the_writer_goes_on() -> None:
    failing = True

    def batch(conn: sqlite3.Connection, payloads: list[Any]) -> Callable[[], list[Outcome]]:
        def outcomes() -> list[Outcome]:
            if failing:
                raise RuntimeError("cannot make the records")
            return [(True, p) for p in payloads]
        return outcomes

    conn = sqlite3.connect(":memory:", isolation_level=None, check_same_thread=False)
    w = GroupWriter(conn, lambda topics: None, batch, one_work=lambda conn, p: p)
    done = await asyncio.gather(*(w.submit(None, payload=n, wakes=False) for n in "ab"),
                                return_exceptions=True)
    assert all(isinstance(d, RuntimeError) for d in done)
    failing = False
    assert await asyncio.gather(*(w.submit(None, payload=n, wakes=False) for n in "cd")) \
        == ["c", "d"]
    await w.stop()
