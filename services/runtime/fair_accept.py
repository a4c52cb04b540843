"""Accepting connections on a listening socket shared by several HTTP
processes, one connection a turn of the event loop (ADR 0115).

uvloop (libuv) accepts every connection waiting in the backlog in one go. On a
socket shared by `serve --workers N`, the process that woke first took a whole
burst of new connections (a reverse proxy's pool, a load generator's clients)
while its siblings, woken by the same event, found nothing left; the split
stayed for as long as the connections were kept alive. Here a process accepts
one connection, then lets its loop run one turn before the next: every idle
process takes its turn at a burst, and a busy one, slower to come back to
accept, takes fewer.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import logging
import socket
from collections.abc import Callable

log = logging.getLogger("parlons.http")

# After a failure to accept that a pause may cure (no file descriptor left, no
# memory), how long before the next try: the loop keeps serving meanwhile.
PAUSE_S = 0.1
_PASSING = {errno.ECONNABORTED, errno.EPROTO, errno.EPERM}  # that connection only


class FairAcceptor:
    """Closed by uvicorn's shutdown as one of its `servers`."""

    def __init__(self, sock: socket.socket,
                 protocol_factory: Callable[[], asyncio.Protocol]) -> None:
        sock.setblocking(False)
        self._sock = sock
        self._factory = protocol_factory
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._accept(),
                                                            name="http-accept")

    async def _accept(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            try:
                conn, _ = await loop.sock_accept(self._sock)
            except OSError as error:
                if error.errno not in _PASSING:
                    log.warning("accept failed; trying again shortly",
                                extra={"error": f"{type(error).__name__}: {error}"})
                    await asyncio.sleep(PAUSE_S)
                continue
            try:
                # as asyncio's and uvloop's own TCP servers: small answers go out at once
                conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                await loop.connect_accepted_socket(self._factory, conn)
            except OSError:  # the client went away meanwhile
                conn.close()
            except Exception:  # this connection only: the process keeps accepting
                log.exception("a connection could not be set up")
                conn.close()
            await asyncio.sleep(0)  # one turn: a sibling process may take the next

    def close(self) -> None:
        if self._task is not None:
            self._task.cancel()

    async def wait_closed(self) -> None:
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
