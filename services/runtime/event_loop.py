"""The event loop a long-running process runs on (ADR 0100).

`parlons serve` and `parlons worker` spend much of a request's or a batch's CPU in
asyncio's own machinery: a future per append, a thread hop per commit or read,
callbacks scheduled from those threads, transports. uvloop (libuv, compiled) does
that work for less; the handlers, the ports and every `await` are the same code
on either loop. `PARLONS_EVENT_LOOP=asyncio` keeps the standard loop (a platform
without uvloop's wheels, or to rule the loop out when chasing a bug); `auto`, the
default, takes uvloop when it is installed.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any, Literal, TypeVar

T = TypeVar("T")
LoopChoice = Literal["auto", "uvloop", "asyncio"]


def loop_factory(choice: LoopChoice) -> Callable[[], asyncio.AbstractEventLoop] | None:
    """The factory `asyncio.Runner` takes (None: the standard loop)."""
    if choice == "asyncio":
        return None
    try:
        import uvloop
    except ImportError:
        if choice == "uvloop":
            raise RuntimeError("PARLONS_EVENT_LOOP=uvloop but uvloop is not installed "
                               "(pip install uvloop, or PARLONS_EVENT_LOOP=auto)") from None
        return None
    return uvloop.new_event_loop


def run(main: Coroutine[Any, Any, T], choice: LoopChoice) -> T:
    """`asyncio.run(main)` on the loop `choice` names."""
    with asyncio.Runner(loop_factory=loop_factory(choice)) as runner:
        return runner.run(main)
