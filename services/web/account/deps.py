"""What the identity pages need: the web front end's sessions and CSRF, the
identity ports, and a way to run commands as the visitor."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request

from services.core.context import correlation_id
from services.core.envelope import Actor
from services.core.events import Meta
from services.core.ids import new_id
from services.identity.ratelimit import client_key
from services.identity.service import IdentityPorts
from services.web.deps import Web


@dataclass
class IdentityWeb:
    web: Web
    ports: IdentityPorts
    handle: Callable[[object, Meta], Awaitable[Any]]

    async def run(self, command: object, *, actor_id: str, role: str = "participant") -> Any:
        meta = Meta(actor=Actor(id=actor_id, role=role),
                    correlation_id=correlation_id() or new_id())
        return await self.handle(command, meta)

    def client(self, request: Request) -> str:
        """The rate limiter's key for this client: never the IP itself."""
        ip = request.client.host if request.client else "unknown"
        s = self.ports.settings
        return client_key(s.resolved_secret(), ip, hours=s.client_hash_hours)

