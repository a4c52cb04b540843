"""The public page cache (services/web/page_cache.py, ADR 0071) around a small
ASGI app that counts its renders: kept until the TTL or a store commit, bounded,
never a page that sets a cookie, is not a 200, or was asked with a session."""

from __future__ import annotations

from typing import Any

import httpx
from starlette.types import Message, Receive, Scope, Send

from services.store.memory import MemoryReadStore
from services.web.page_cache import PUBLIC_PAGE, CachePolicy, PublicPages, not_kept
from services.web.rendering import etag_of

POLICY = CachePolicy(max_age=10, stale_while_revalidate=30, entries=2)


class Pages:
    """`/p?...` a public page, `/cookie` one that sets a cookie, `/missing` a 404,
    `/index` a page not kept; each render counted and numbered."""

    def __init__(self) -> None:
        self.renders = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.renders += 1
        body = f"rendu {self.renders}".encode()
        headers = [(b"content-type", b"text/html"), (b"cache-control", PUBLIC_PAGE),
                   (b"etag", etag_of(body).encode())]
        status = 404 if scope["path"] == "/missing" else 200
        if scope["path"] == "/cookie":
            headers.append((b"set-cookie", b"x=1"))
        if scope["path"] == "/index":
            not_kept(scope)
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def client_of(app: Any) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t")


def cached(pages: Pages, store: MemoryReadStore, clock: Clock) -> PublicPages:
    return PublicPages(pages, store=lambda: store, policy=POLICY, session_cookie="parlons_session",
                       clock=clock)


async def test_a_page_is_kept_until_its_ttl_then_rendered_again() -> None:
    pages, store, clock = Pages(), MemoryReadStore(), Clock()
    async with client_of(cached(pages, store, clock)) as client:
        first = await client.get("/p")
        assert first.headers["cache-control"] == "public, max-age=10, stale-while-revalidate=30"
        assert (await client.get("/p")).text == first.text == "rendu 1"
        clock.now = 10.5
        assert (await client.get("/p")).text == "rendu 2"


async def test_a_store_commit_drops_every_kept_page() -> None:
    pages, store, clock = Pages(), MemoryReadStore(), Clock()
    async with client_of(cached(pages, store, clock)) as client:
        await client.get("/p")
        async with store.transaction() as tx:
            await tx.put("t", "p", "k", {})
        assert (await client.get("/p")).text == "rendu 2"


async def test_the_cache_is_bounded_and_keyed_by_query_and_hx_request() -> None:
    pages, store, clock = Pages(), MemoryReadStore(), Clock()
    async with client_of(cached(pages, store, clock)) as client:
        await client.get("/p?a=1")
        await client.get("/p?a=2")
        await client.get("/p?a=1", headers={"HX-Request": "true"})  # evicts ?a=1
        assert pages.renders == 3
        assert (await client.get("/p?a=2")).text == "rendu 2"
        assert (await client.get("/p?a=1")).text == "rendu 4"


async def test_a_matching_if_none_match_gets_a_304_from_the_kept_page() -> None:
    pages, store, clock = Pages(), MemoryReadStore(), Clock()
    async with client_of(cached(pages, store, clock)) as client:
        etag = (await client.get("/p")).headers["etag"]
        again = await client.get("/p", headers={"If-None-Match": f'W/"x", {etag}'})
        assert again.status_code == 304 and again.content == b"" and pages.renders == 1
        assert again.headers["vary"] == "Cookie"


async def test_never_kept_a_cookie_a_404_a_page_not_kept_nor_a_session() -> None:
    pages, store, clock = Pages(), MemoryReadStore(), Clock()
    async with client_of(cached(pages, store, clock)) as client:
        for path in ("/cookie", "/missing", "/index"):
            await client.get(path)
            await client.get(path)
        assert pages.renders == 6
        missing = await client.get("/missing")
        assert missing.headers["cache-control"] == "public, no-cache"  # a 404 is not kept
        with_session = await client.get("/p", headers={"Cookie": "a=b; parlons_session=t"})
        assert with_session.headers["cache-control"] == "private, no-store"
        await client.get("/p", headers={"Cookie": "parlons_session=t"})
        assert pages.renders == 9  # neither served a kept page nor kept
        other = await client.get("/p", headers={"Cookie": "not_parlons_session=t"})
        assert other.headers["cache-control"].startswith("public")


async def test_a_forged_host_never_reaches_another_hosts_copy() -> None:
    pages, store, clock = Pages(), MemoryReadStore(), Clock()
    async with client_of(cached(pages, store, clock)) as client:
        await client.get("/p", headers={"Host": "malveillant.example"})
        assert (await client.get("/p")).text == "rendu 2"
        assert (await client.get("/p")).text == "rendu 2"


async def test_a_session_in_a_second_cookie_header_is_a_session() -> None:
    pages, store, clock = Pages(), MemoryReadStore(), Clock()
    app = cached(pages, store, clock)
    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    scope: Scope = {"type": "http", "method": "GET", "scheme": "http", "path": "/p",
             "query_string": b"", "headers": [(b"cookie", b"a=b"),
                                              (b"cookie", b"parlons_session=t")]}
    await app(scope, receive, send)
    assert dict(sent[0]["headers"])[b"cache-control"] == b"private, no-store"
