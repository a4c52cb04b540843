"""The group writer's two paths for a payload (ADR 0112): with the group's other
payloads through `batch_work`, or alone through `one_work`, each request answered
with its own outcome, in order."""

from __future__ import annotations

import asyncio
import sqlite3
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
