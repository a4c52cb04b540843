"""The HTTP processes' acceptor on a shared socket (ADR 0115): it serves what
it accepts, one connection whose set-up fails does not stop it, and once
closed it accepts nothing more. Real sockets on the loopback."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator, Callable

from services.runtime.fair_accept import FairAcceptor


class Echo(asyncio.Protocol):
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.transport.write(data.upper())


def listening() -> socket.socket:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    return sock


@contextlib.asynccontextmanager
async def serving(factory: Callable[[], asyncio.Protocol]) -> AsyncIterator[int]:
    """An acceptor started on a fresh listening socket; its port."""
    sock = listening()
    acceptor = FairAcceptor(sock, factory)
    acceptor.start()
    try:
        yield sock.getsockname()[1]
    finally:
        acceptor.close()
        await acceptor.wait_closed()
        sock.close()


async def exchange(port: int, text: bytes) -> bytes:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(text)
        return await asyncio.wait_for(reader.readexactly(len(text)), 2.0)
    finally:
        writer.close()


async def test_it_serves_the_connections_it_accepts_a_burst_included() -> None:
    async with serving(Echo) as port:
        answers = await asyncio.gather(*(exchange(port, f"bonjour {n}".encode())
                                         for n in range(20)))
        assert answers == [f"BONJOUR {n}".encode() for n in range(20)]


async def test_a_connection_that_cannot_be_set_up_does_not_stop_the_acceptor() -> None:
    made = 0

    def flaky() -> asyncio.Protocol:
        nonlocal made
        made += 1
        if made == 1:
            raise RuntimeError("the protocol could not be built")
        return Echo()

    async with serving(flaky) as port:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        assert await asyncio.wait_for(reader.read(), 2.0) == b""  # closed on it
        writer.close()
        assert await exchange(port, b"encore") == b"ENCORE"


async def test_once_closed_it_accepts_nothing() -> None:
    sock = listening()
    acceptor = FairAcceptor(sock, Echo)
    acceptor.start()
    port = sock.getsockname()[1]
    assert await exchange(port, b"un") == b"UN"
    acceptor.close()
    await acceptor.wait_closed()
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)  # the backlog
        writer.write(b"deux")
        try:
            await asyncio.wait_for(reader.read(4), 0.5)
            raise AssertionError("answered after the acceptor was closed")
        except TimeoutError:
            pass
        writer.close()
    finally:
        sock.close()


async def test_an_acceptor_never_started_closes_at_once() -> None:
    sock = listening()
    acceptor = FairAcceptor(sock, Echo)
    acceptor.close()
    await asyncio.wait_for(acceptor.wait_closed(), 1.0)
    sock.close()
