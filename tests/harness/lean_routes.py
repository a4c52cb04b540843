"""What the lean-route tests share (ADR 0075): the same request answered by a lean
route, then by the FastAPI route it stands in front of (the lean one taken out of
the route table for that call), each by a new participant."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import httpx

from harness.forms import csrf_header
from harness.platform import Platform, participant, session_client

Send = Callable[[httpx.AsyncClient, dict[str, str]], Awaitable[httpx.Response]]
Answer = tuple[int, Any, str | None]


async def answer(p: Platform, route_type: type, name: str, send: Send, lean: bool,
                 comparable: Callable[[httpx.Response], Answer]) -> Answer:
    """`send` by a participant named after the case, through the lean route of
    `route_type` (`lean`) or without it; the response made `comparable`."""
    app: Any = p.app
    routes = app.router.routes
    lean_route = next(r for r in routes if isinstance(r, route_type))
    if not lean:
        routes.remove(lean_route)
    try:
        slug = "".join(c for c in name if c.isalpha())
        who = await participant(p, f"{slug}{'Lean' if lean else 'Usual'}")
        async with session_client(p, who) as client:
            return comparable(await send(client, await csrf_header(client)))
    finally:
        if not lean:
            routes.insert(0, lean_route)
