"""The idempotency middleware stores answers through a group writer: concurrent
requests share read-store transactions, and a retry sent as soon as the first
answer arrives still replays it instead of running the command again. Stored
answers expire (ADR 0103): replayed for `keep_s`, then run again as new, and
deleted by the front that stored them about hourly."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest
from starlette.types import Receive, Scope, Send

from services.apikit import idempotency
from services.apikit.idempotency import (
    REPLAYED_HEADER,
    TABLE,
    IdempotencyMiddleware,
    purge_expired,
)
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


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


async def rows(store: MemoryReadStore) -> list[str]:
    return [key async for _, key, _ in store.scan(TABLE)]


async def test_an_answer_is_replayed_within_keep_s_and_run_again_after() -> None:
    store, command, clock = MemoryReadStore(), Command(), Clock()
    app = IdempotencyMiddleware(command, store=lambda: store, keep_s=60, clock=clock)
    async with client(app) as c:
        first = await c.post("/x", json={}, headers={"Idempotency-Key": "k"})
        await asyncio.sleep(0.01)  # the answer's group commit
        clock.now += 59
        again = await c.post("/x", json={}, headers={"Idempotency-Key": "k"})
        assert again.headers.get(REPLAYED_HEADER.decode()) == "true"
        assert again.json() == first.json() == {"run": 1}
        clock.now += 2  # 61 s after the answer: expired, a new request
        late = await c.post("/x", json={}, headers={"Idempotency-Key": "k"})
    assert late.headers.get(REPLAYED_HEADER.decode()) is None
    assert late.json() == {"run": 2} and command.runs == 2


async def test_purge_deletes_only_answers_stored_before_the_limit() -> None:
    store = MemoryReadStore()
    async with store.transaction() as tx:
        await tx.put(TABLE, "ab", "old", {"status": 201, "stored_at": 10.0})
        await tx.put(TABLE, "cd", "new", {"status": 201, "stored_at": 30.0})
        await tx.put(TABLE, "ef", "untimed", {"status": 201})  # stored before ADR 0103
    assert await purge_expired(store, before=20.0) == 2
    assert await rows(store) == ["new"]


async def test_the_front_purges_about_hourly_as_it_stores_answers(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(idempotency, "PURGE_EVERY", 100.0)
    store, command, clock = MemoryReadStore(), Command(), Clock()
    app = IdempotencyMiddleware(command, store=lambda: store, keep_s=60, clock=clock)
    async with client(app) as c:
        await c.post("/x", json={}, headers={"Idempotency-Key": "a"})
        await asyncio.sleep(0.01)
        assert len(await rows(store)) == 1
        clock.now += 101  # "a" expired, and a purge is due with the next answer
        await c.post("/x", json={}, headers={"Idempotency-Key": "b"})
        await asyncio.sleep(0.05)
    assert len(await rows(store)) == 1  # "b" only
