"""`serve --workers N` lets its HTTP processes accept once all of them are
ready, or some time after the first (ADR 0115): the supervisor's gate and an
HTTP process's side of it, over real pipes in one process."""

from __future__ import annotations

import asyncio
import os

from services.runtime.start_gate import StartGate, report_ready_and_wait, should_open


def test_the_gate_opens_when_every_running_process_reported() -> None:
    assert should_open({1, 2}, {1, 2}, 10.0, 10.0, 20.0)
    assert should_open({1, 2, 3}, {2, 3}, 10.0, 10.0, 20.0)  # 1 died since: not waited for
    assert not should_open({1}, {1, 2}, 10.0, 29.9, 20.0)


def test_the_first_ready_process_waits_for_the_others_only_so_long() -> None:
    assert should_open({1}, {1, 2}, 10.0, 30.0, 20.0)
    assert not should_open(set(), {1, 2}, None, 1e9, 20.0)  # nobody ready: nothing to open
    assert not should_open(set(), set(), None, 1e9, 20.0)  # no process running either


def inherited(gate: StartGate) -> tuple[int, int]:
    """The ends an HTTP process gets: copies, as a child's inherited descriptors."""
    ready, go = gate.child_fds
    return os.dup(ready), os.dup(go)


async def test_a_process_accepts_once_the_supervisor_opens_the_gate() -> None:
    gate = StartGate(wait_s=20.0)
    try:
        waiting = asyncio.ensure_future(report_ready_and_wait(*inherited(gate)))
        await asyncio.sleep(0.05)
        assert not waiting.done()
        assert not gate.poll({os.getpid(), 999_999}, now=1.0)  # a sibling not ready yet
        assert gate.reported == {os.getpid()} and not waiting.done()
        assert gate.poll({os.getpid()}, now=2.0)  # the sibling died: every running one is ready
        assert await asyncio.wait_for(waiting, 2.0) is True
        # a process started again later goes through at once
        assert await asyncio.wait_for(report_ready_and_wait(*inherited(gate)), 2.0) is True
    finally:
        gate.close()


async def test_the_gate_opens_past_the_wait_for_a_sibling_that_never_gets_ready() -> None:
    gate = StartGate(wait_s=5.0)
    try:
        waiting = asyncio.ensure_future(report_ready_and_wait(*inherited(gate)))
        await asyncio.sleep(0.05)
        running = {os.getpid(), 999_999}
        assert not gate.poll(running, now=100.0)
        assert not gate.poll(running, now=104.9)
        assert gate.poll(running, now=105.0)
        assert not gate.poll(running, now=106.0)  # opened once
        assert await asyncio.wait_for(waiting, 2.0) is True
    finally:
        gate.close()


async def test_a_stop_before_the_gate_opens_accepts_nothing() -> None:
    gate = StartGate(wait_s=20.0)
    stopping = False
    try:
        waiting = asyncio.ensure_future(
            report_ready_and_wait(*inherited(gate), lambda: stopping))
        await asyncio.sleep(0.05)
        stopping = True
        assert await asyncio.wait_for(waiting, 2.0) is False
    finally:
        gate.close()


def test_reports_keep_being_read_after_the_gate_opened() -> None:
    """Processes started again report too: their lines are drained, so the pipe
    never fills and blocks one of them."""
    gate = StartGate(wait_s=0.0)
    ready, _ = gate.child_fds
    os.set_blocking(ready, False)  # a full pipe fails the test instead of hanging it
    try:
        os.write(ready, b"1\n")
        assert gate.poll({1}, now=0.0)
        for pid in range(2, 20_002):  # more than a pipe's buffer holds
            os.write(ready, f"{pid}\n".encode())
            if pid % 1000 == 0:
                gate.poll({1}, now=1.0)
        gate.poll({1}, now=1.0)
        assert len(gate.reported) == 20_001
    finally:
        gate.close()
