"""Hot JSON routes without FastAPI's router and dependency solver (ADR 0019 §5,
ADR 0075).

A lean route sits first in the app's route list, inside every middleware and the
exception handlers, so its refusals are answered as the FastAPI route's are. It
serves only the requests it can read with certainty -- a JSON body valid for the
route's model, an `Idempotency-Key` of 1 to 200 characters, an app without
dependency overrides (tests replace who is acting that way) -- and hands anything
else, body replayed, to the FastAPI route of the same path, which gives the usual
422 with the field named: one set of error messages, one place that defines them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from starlette.requests import ClientDisconnect, Request
from starlette.routing import Match, Route
from starlette.types import Message, Receive, Scope, Send

from services.apikit.idempotency import KEY_MAX

M = TypeVar("M", bound=BaseModel)
_DECLINED = "parlons.lean_route_declined"  # scope key: route this request the usual way


class LeanRoute(Route):
    """A hot route: the app factory puts it ahead of every router (it declines
    what it cannot read to the FastAPI route of the same path, so its place
    changes no answer, only the cost of finding it)."""

    def __init__(self, path: str, endpoint: Callable[[Request], Awaitable[Any]]) -> None:
        super().__init__(path, endpoint, methods=["POST"])
        self._serve = endpoint

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if scope.get(_DECLINED):
            return Match.NONE, {}
        return super().matches(scope)

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["method"] != "POST":  # the 405, as any route answers it
            await super().handle(scope, receive, send)
            return
        # Starlette's `request_response` less its own exception wrapper (ADR 0106):
        # what the endpoint raises goes to the app's ExceptionMiddleware, which
        # answers it with the same handlers (none of them reads the body).
        answer = await self._serve(Request(scope, receive, send))  # a Response, or Declined
        await answer(scope, receive, send)


async def read_body(request: Request) -> bytes:
    """`await request.body()`, read from `receive` without Starlette's async
    generator: asyncio registers each one it starts in a WeakSet (a weak reference
    and its callback made, then dropped), ~1.6 µs of a request's ~2.4 spent reading
    a body that comes in one message (ADR 0099). Kept on the request as
    `body()` keeps it, for whatever reads it after; a client gone before its body
    came raises Starlette's `ClientDisconnect`, as `body()` does."""
    chunks: list[bytes] = []
    while True:
        message = await request.receive()
        if message["type"] == "http.request":
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        elif message["type"] == "http.disconnect":
            raise ClientDisconnect()
    body = chunks[0] if len(chunks) == 1 else b"".join(chunks)
    request._body = body  # what Request.body() caches, for whatever reads it after
    return body


def readable(request: Request, body: bytes, model: type[M]) -> M | None:
    """The body as `model` when this request is certainly one the lean route
    answers like the FastAPI route; None to decline it."""
    if request.app.dependency_overrides:
        return None
    key = request.headers.get("idempotency-key")
    if key is None or not 0 < len(key) <= KEY_MAX:
        return None
    if request.headers.get("content-type", "").split(";")[0].strip() != "application/json":
        return None
    try:
        return model.model_validate_json(body)
    except ValidationError:
        return None


class Declined:
    """An ASGI app: hands the request, body replayed, to the app's router again,
    marked so that no lean route matches it a second time."""

    def __init__(self, body: bytes) -> None:
        self.body = body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        delivered = False

        async def replay() -> Message:
            nonlocal delivered
            if not delivered:
                delivered = True
                return {"type": "http.request", "body": self.body, "more_body": False}
            return await receive()

        await scope["router"]({**scope, _DECLINED: True}, replay, send)
