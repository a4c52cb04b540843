"""The idempotency middleware stores answers through a group writer: concurrent
requests share read-store transactions, and a retry sent as soon as the first
answer arrives still replays it instead of running the command again."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from starlette.types import Receive, Scope, Send

from services.apikit.idempotency import REPLAYED_HEADER, IdempotencyMiddleware
from services.store.memory import MemoryReadStore
from services.store.port import StoreTx


class CountingStore(MemoryReadStore):
    def __init__(self) -> None:
        super().__init__()
        self.transactions = 0

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[StoreTx]:
        self.transactions += 1
        async with super().transaction() as tx:
            await asyncio.sleep(0.01)  # a commit that takes a while: answers pile up
            yield tx


class Command:
    """An ASGI app that counts how many times the command really ran."""

    def __init__(self) -> None:
        self.runs = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.runs += 1
        body = f'{{"run": {self.runs}}}'.encode()
        await send({"type": "http.response.start", "status": 201,
                    "headers": [(b"content-type", b"application/json")]})
        await send({"type": "http.response.body", "body": body})


def client(app: object) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app),  # type: ignore[arg-type]
                             base_url="http://test")


async def test_concurrent_answers_share_transactions() -> None:
    store, command = CountingStore(), Command()
    app = IdempotencyMiddleware(command, store=lambda: store)
    async with client(app) as c:
        answers = await asyncio.gather(*(
            c.post("/x", json={"n": n}, headers={"Idempotency-Key": f"k-{n}"})
            for n in range(40)))
        assert {a.status_code for a in answers} == {201}
        retries = await asyncio.gather(*(
            c.post("/x", json={"n": n}, headers={"Idempotency-Key": f"k-{n}"})
            for n in range(40)))
    assert command.runs == 40
    assert all(r.headers.get(REPLAYED_HEADER.decode()) == "true" for r in retries)
    assert [r.json() for r in retries] == [a.json() for a in answers]
    assert store.transactions < 40 / 4  # grouped, not one per answer


async def test_a_retry_right_after_the_answer_replays_it() -> None:
    store, command = CountingStore(), Command()
    app = IdempotencyMiddleware(command, store=lambda: store)
    async with client(app) as c:
        first = await c.post("/x", json={}, headers={"Idempotency-Key": "same"})
        again = await c.post("/x", json={}, headers={"Idempotency-Key": "same"})
    assert command.runs == 1
    assert again.status_code == 201 and again.json() == first.json()
    assert again.headers.get(REPLAYED_HEADER.decode()) == "true"
