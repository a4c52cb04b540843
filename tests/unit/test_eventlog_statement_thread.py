"""The SQLite writer's statement thread (ADR 0072, amended): a call's value or
error reaches the caller's loop, and a call runs to its end even when the caller
stops waiting, so a statement is never abandoned half-way on the connection."""

from __future__ import annotations

import asyncio
import threading

import pytest

from services.eventlog.sqlite_thread import StatementThread


async def test_a_call_s_value_and_error_reach_the_caller() -> None:
    thread = StatementThread("test-statements")
    try:
        assert await thread.run(lambda a, b: (a + b, threading.current_thread().name), 2, 3) \
            == (5, "test-statements")
        with pytest.raises(ZeroDivisionError):
            await thread.run(lambda: 1 / 0)
    finally:
        thread.stop()


async def test_a_call_runs_to_its_end_when_the_caller_is_cancelled() -> None:
    thread = StatementThread("test-statements")
    release, finished = threading.Event(), threading.Event()

    def statement() -> None:
        release.wait(5)
        finished.set()

    waiting = asyncio.ensure_future(thread.run(statement))
    await asyncio.sleep(0)
    waiting.cancel()
    release.set()
    thread.stop()  # waits for the queued calls
    assert finished.is_set() and waiting.cancelled()
