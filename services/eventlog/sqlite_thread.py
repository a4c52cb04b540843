"""The writer's one thread for the statements that wait: COMMIT (fsync) and
BEGIN when another process holds the file.

A `ThreadPoolExecutor` behind `run_in_executor` and `asyncio.shield` cost three
futures and two extra turns of the event loop per group, about 0.1-0.4 ms of a
group's critical path on this 2-core machine (ADR 0072 amended). Here a job is a
queue entry, and its end sets the caller's asyncio future from the thread in one
`call_soon_threadsafe`.
"""

from __future__ import annotations

import asyncio
import contextlib
import queue
import threading
import weakref
from collections.abc import Callable
from typing import Any

_Job = tuple[asyncio.AbstractEventLoop, "asyncio.Future[Any]", Callable[..., Any], tuple[Any, ...]]


class StatementThread:
    def __init__(self, name: str) -> None:
        self._name = name
        self._jobs: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None  # started by the first call

    def _start(self) -> threading.Thread:
        jobs = self._jobs
        thread = threading.Thread(target=_serve, args=(jobs,), name=self._name, daemon=True)
        thread.start()
        # A writer dropped without `stop` (a test's log never closed) ends its thread,
        # as a garbage-collected executor does.
        weakref.finalize(self, jobs.put, None)
        return thread

    def run(self, fn: Callable[..., Any], *args: Any) -> asyncio.Future[Any]:
        """`fn(*args)` on the thread; the future is set on the caller's loop. The
        call runs to its end even if the future is cancelled meanwhile: a
        statement is never abandoned half-way on the connection."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Any] = loop.create_future()
        if self._thread is None:
            self._thread = self._start()
        self._jobs.put((loop, future, fn, args))
        return future

    def stop(self) -> None:
        """Finish the queued calls, then end the thread (blocks until then)."""
        if self._thread is not None:
            self._jobs.put(None)
            self._thread.join()


def _serve(jobs: queue.SimpleQueue[_Job | None]) -> None:
    while (job := jobs.get()) is not None:
        loop, future, fn, args = job
        try:
            outcome: tuple[bool, Any] = (True, fn(*args))
        except BaseException as error:  # handed to the caller, as an executor does
            outcome = (False, error)
        with contextlib.suppress(RuntimeError):  # a closed loop: nobody waits
            loop.call_soon_threadsafe(_settle, future, outcome)
        del job, loop, future, fn, args, outcome  # hold nothing while idle


def _settle(future: asyncio.Future[Any], outcome: tuple[bool, Any]) -> None:
    if future.done():  # the caller was cancelled
        return
    ok, value = outcome
    if ok:
        future.set_result(value)
    else:
        future.set_exception(value)
