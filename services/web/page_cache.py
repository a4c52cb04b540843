"""Public pages for the public at scale (ADR 0071), as one plain ASGI middleware.

`public_page` marks a page that is the same bytes for everybody (`PUBLIC_PAGE`).
Here, and only here, that mark becomes the answer's caching policy:

- asked without a session cookie, a public page is `public, max-age, stale-while-
  revalidate`, and a 200 is kept in a small in-process cache (bounded entries,
  TTL = max-age) keyed by host, path, query and `HX-Request`, and by the store's
  `changes()`: once a projection commits, no page rendered before is served
  again. A kept page answers `If-None-Match` with a 304 and skips the routing,
  the dependencies, the store reads and the rendering;
- asked with a session cookie, the same page is `private, no-store`: nothing a
  visitor with a session is sent is kept by anybody, here or on the way.

At most `entries` pages and MAX_BYTES in all. A response that sets a cookie,
is not a 200, is larger than MAX_BODY or was rendered from something the store
does not version (`not_kept`) is never kept.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from services.store.port import ReadStore

PUBLIC_PAGE = b"public, no-cache"  # what public_page says; rewritten here
PRIVATE = b"private, no-store"
MAX_BODY = 512 * 1024  # a larger page is rendered each time
MAX_BYTES = 32 * 1024 * 1024  # all kept pages together, whatever the entries setting
NOT_KEPT = "parlons.page_not_kept"  # scope key set by a page the store does not version

_Key = tuple[str, bytes, str, bytes, bytes]


@dataclass(frozen=True, slots=True)
class CachePolicy:
    max_age: int  # seconds; also the in-process TTL
    stale_while_revalidate: int
    entries: int  # 0: nothing kept in process (the headers still apply)

    @property
    def header(self) -> bytes:
        return (f"public, max-age={self.max_age}, "
                f"stale-while-revalidate={self.stale_while_revalidate}").encode()


@dataclass(frozen=True, slots=True)
class _Page:
    version: int | None
    expires: float
    headers: list[tuple[bytes, bytes]]
    etag: bytes
    body: bytes
    route: object  # the route that rendered it, for the HTTP metrics' label


def not_kept(scope: Scope) -> None:
    """Called by a public page read from something else than the read store (the
    search index): its headers stay public, the process does not keep it."""
    scope[NOT_KEPT] = True


class PublicPages:
    def __init__(self, app: ASGIApp, *, store: Callable[[], ReadStore], policy: CachePolicy,
                 session_cookie: str, clock: Callable[[], float] = time.monotonic) -> None:
        self.app = app
        self._store, self._policy, self._clock = store, policy, clock
        self._cookie = session_cookie.encode() + b"="
        self._header = policy.header
        self._pages: OrderedDict[_Key, _Page] = OrderedDict()
        self._bytes = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "GET":
            await self.app(scope, receive, send)
            return
        headers = scope["headers"]
        cookie = hx = inm = host = b""
        for name, value in headers:
            if name == b"host":
                host = value
            elif name == b"cookie":  # HTTP/2 may split cookies over several headers
                cookie += value + b";"
            elif name == b"hx-request":
                hx = value
            elif name == b"if-none-match":
                inm = value
        if self._cookie in cookie and self._has_session(cookie):
            await self.app(scope, receive, _private(send))
            return
        # The scheme and host too: a page may name its own address (a calendar
        # file's links), and a forged Host must never reach another visitor's copy.
        key = (scope["scheme"], host, scope["path"], scope["query_string"], hx)
        version = self._store().changes()
        page = self._pages.get(key)
        if page is not None and page.version == version and page.expires > self._clock():
            self._pages.move_to_end(key)
            scope["route"] = page.route
            await _answer(page, inm, send)
            return
        await self._render(scope, receive, send, key, version)

    def _has_session(self, cookie: bytes) -> bool:
        return any(part.strip().startswith(self._cookie) for part in cookie.split(b";"))

    async def _render(self, scope: Scope, receive: Receive, send: Send, key: _Key,
                      version: int | None) -> None:
        started: list[tuple[bytes, bytes]] | None = None
        chunks: list[bytes] = []
        size = 0
        status = 0

        async def capture(message: Message) -> None:
            nonlocal started, size, status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers", []))
                if status in (200, 304) and (b"cache-control", PUBLIC_PAGE) in headers:
                    headers = _public(headers, self._header)
                message["headers"] = started = headers
            elif message["type"] == "http.response.body" and size <= MAX_BODY:
                chunk = message.get("body", b"")
                size += len(chunk)
                chunks.append(chunk)
            await send(message)

        await self.app(scope, receive, capture)
        if status != 200 or started is None or size > MAX_BODY or scope.get(NOT_KEPT):
            return
        names = dict(started)
        if (names.get(b"cache-control") != self._header or b"set-cookie" in names
                or b"etag" not in names or self._policy.entries <= 0):
            return
        body = b"".join(chunks)
        replaced = self._pages.pop(key, None)
        self._bytes += len(body) - (len(replaced.body) if replaced else 0)
        self._pages[key] = _Page(version, self._clock() + self._policy.max_age, started,
                                 names[b"etag"], body, scope.get("route"))
        while len(self._pages) > self._policy.entries or self._bytes > MAX_BYTES:
            _, oldest = self._pages.popitem(last=False)
            self._bytes -= len(oldest.body)


def _public(headers: list[tuple[bytes, bytes]], policy: bytes) -> list[tuple[bytes, bytes]]:
    """The policy in place of the mark, and `Vary: Cookie`: a browser that kept
    a page before logging in asks again once its cookie changed."""
    varied = [(n, policy if n == b"cache-control" else v + b", Cookie" if n == b"vary" else v)
              for n, v in headers]
    if not any(n == b"vary" for n, _ in headers):
        varied.append((b"vary", b"Cookie"))
    return varied


def _private(send: Send) -> Send:
    async def private(message: Message) -> None:
        if message["type"] == "http.response.start":
            message["headers"] = [(n, PRIVATE if n == b"cache-control" and v == PUBLIC_PAGE
                                   else v) for n, v in message.get("headers", [])]
        await send(message)

    return private


def _matches(if_none_match: bytes, etag: bytes) -> bool:
    if not if_none_match:
        return False
    tags = {t.strip().removeprefix(b"W/") for t in if_none_match.split(b",")}
    return etag in tags or b"*" in tags


async def _answer(page: _Page, if_none_match: bytes, send: Send) -> None:
    if _matches(if_none_match, page.etag):
        headers = [(n, v) for n, v in page.headers if n in (b"etag", b"cache-control", b"vary")]
        await send({"type": "http.response.start", "status": 304, "headers": headers})
        await send({"type": "http.response.body", "body": b""})
        return
    await send({"type": "http.response.start", "status": 200, "headers": list(page.headers)})
    await send({"type": "http.response.body", "body": page.body})
