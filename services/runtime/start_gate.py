"""`parlons serve --workers N`: no HTTP process accepts before all of them are
ready (ADR 0115).

The HTTP processes share one listening socket and the kernel gives each new
connection to one of the processes waiting in accept. The first process ready
was the only one waiting, so it took every connection made while its siblings
were still importing; clients that keep their connections (a reverse proxy's
pool, a load generator) stayed on it. Under `bench/vote.py --workers 2` the
48 connections split 48/0 in 2 runs of 4 and 42/6 in the other two, and the
second process served nothing or little for the whole run.

So each HTTP process, once ready, says so on a pipe (its pid, one line) and
waits for the supervisor to close another pipe; the supervisor closes it when
every running HTTP process has reported, or `wait_s` after the first report
(a sibling that cannot start does not keep the others from serving). Until
then a connection waits in the socket's backlog and is accepted by whichever
process then waits in accept: with all of them there, a burst of connections
spreads over them. A process started again later finds the pipe closed and
accepts at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import Callable, Set

POLL_S = 0.1  # as uvicorn's main loop asks whether to exit


class StartGate:
    """The supervisor's side: two pipes whose child ends the HTTP processes inherit."""

    def __init__(self, wait_s: float) -> None:
        self.wait_s = wait_s
        self._ready_r, self.ready_w = os.pipe()
        self.go_r, self._go_w = os.pipe()
        os.set_blocking(self._ready_r, False)
        self.reported: set[int] = set()
        self.first_report_at: float | None = None
        self.open = False
        self._closed = False
        self._partial = b""  # the start of a line the last read cut

    @property
    def child_fds(self) -> tuple[int, int]:
        """The ends an HTTP process inherits: it writes to the first, waits on the second."""
        return (self.ready_w, self.go_r)

    @property
    def reader(self) -> int:
        """Readable when an HTTP process reported: the supervisor may wait on it."""
        return self._ready_r

    def poll(self, running: Set[int], now: float) -> bool:
        """Read the reports that came; open the gate when it is time. True when
        it opened at this call."""
        self._read_reports(now)
        if self.open or not should_open(self.reported, running, self.first_report_at,
                                        now, self.wait_s):
            return False
        os.close(self._go_w)  # every HTTP process, now and later, reads its end
        self.open = True
        return True

    def _read_reports(self, now: float) -> None:
        while True:
            try:
                chunk = os.read(self._ready_r, 4096)
            except BlockingIOError:
                return
            if not chunk:
                return
            # a read may end inside a line: its start waits for the rest
            *lines, self._partial = (self._partial + chunk).split(b"\n")
            for line in lines:
                with contextlib.suppress(ValueError):
                    self.reported.add(int(line))
            if lines and self.first_report_at is None:
                self.first_report_at = now

    def close(self) -> None:
        """Once (a second close could hit a descriptor number reused meanwhile)."""
        if self._closed:
            return
        self._closed = True
        for fd in (self._ready_r, self.ready_w, self.go_r):
            os.close(fd)
        if not self.open:
            os.close(self._go_w)
            self.open = True


def should_open(reported: Set[int], running: Set[int], first_report_at: float | None,
                now: float, wait_s: float) -> bool:
    """Every running HTTP process has reported, or `wait_s` has passed since the
    first report."""
    if running and running <= reported:
        return True
    return first_report_at is not None and now - first_report_at >= wait_s


async def report_ready_and_wait(ready_fd: int, go_fd: int,
                                stopped: Callable[[], bool] = lambda: False) -> bool:
    """An HTTP process's side: say it is ready, then wait until the supervisor
    lets every HTTP process accept (the end of `go_fd`): True. False once
    `stopped()` (asked every POLL_S: a stopping signal came meanwhile)."""
    loop = asyncio.get_running_loop()
    # One short write (under PIPE_BUF): the processes' lines never interleave.
    os.write(ready_fd, f"{os.getpid()}\n".encode())
    os.close(ready_fd)
    go: asyncio.Future[None] = loop.create_future()

    def readable() -> None:
        with contextlib.suppress(BlockingIOError):
            if not os.read(go_fd, 4096) and not go.done():
                go.set_result(None)  # end of file: the supervisor closed its end

    os.set_blocking(go_fd, False)
    loop.add_reader(go_fd, readable)
    try:
        while not go.done():
            if stopped():
                return False
            await asyncio.wait({go}, timeout=POLL_S)
        return True
    finally:
        loop.remove_reader(go_fd)
        os.close(go_fd)
