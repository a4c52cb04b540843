"""FastAPI dependencies shared by every service's router: the container, and
the `Meta` (actor, correlation id) a command carries."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from services.core.context import correlation_id
from services.core.envelope import Actor
from services.core.events import Meta
from services.core.ids import new_id
from services.runtime.bootstrap import Container


# `async def` although nothing awaits: FastAPI runs a plain `def` dependency in a
# worker thread, two thread hops per request on the hot write paths (ADR 0019).
async def get_container(request: Request) -> Container:
    container: Container = request.app.state.container
    return container


async def current_actor() -> Actor:
    """Who is calling. No identity service yet: everyone is anonymous. The
    identity service replaces this dependency (app.dependency_overrides or here)."""
    return Actor(id="anonymous", role="anonymous")


async def request_meta(actor: Annotated[Actor, Depends(current_actor)]) -> Meta:
    return Meta(actor=actor, correlation_id=correlation_id() or new_id())


ContainerDep = Annotated[Container, Depends(get_container)]
MetaDep = Annotated[Meta, Depends(request_meta)]
