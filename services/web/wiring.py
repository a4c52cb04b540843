"""Binds the web front end to the runtime's container: `install(app, container)`
is the `ServiceSpec.install` hook of the "web" service (services/runtime/bootstrap.py)."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from services.core.envelope import Actor
from services.core.events import Meta
from services.core.ids import new_id
from services.runtime.context import correlation_id
from services.web.app import install_web
from services.web.deps import WebDeps
from services.web.identity_session import back_office_actor
from services.web.settings import WebSettings

if TYPE_CHECKING:
    from fastapi import FastAPI

    from services.runtime.bootstrap import Container

SETTLE_MAX_SECONDS = 2.0


def deps_for(container: Container, settings: WebSettings | None = None) -> WebDeps:
    settings = settings or WebSettings()

    async def send(command: Any) -> Any:
        # An organiser participant acts under their own pseudonymous id (set by the
        # identity guard); the settings-configured admin under its user name.
        actor = back_office_actor() or Actor(id=settings.admin_user, role="organiser")
        meta = Meta(actor=actor,
                    correlation_id=correlation_id() or new_id())
        return await container.handle(command, meta)

    async def settle() -> None:
        """Read-your-writes for the back office: wait (bounded) until every running
        projection worker has projected everything in the log. The lag is asked of
        the log itself, not read from the gauge, which lags one poll behind an
        append (CI saw a redirect race ahead of a claim). Best effort: after
        SETTLE_MAX_SECONDS the page shows what is there."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + SETTLE_MAX_SECONDS
        while True:
            try:
                lags = [await w.lag() for w in list(container.built_workers)]
            except Exception:  # a broker hiccup must not fail the user's action
                return
            if not any(lags) or loop.time() >= deadline:
                return
            await asyncio.sleep(0.02)

    read_blob = None
    blobs = getattr(container, "blobs", None)
    if blobs is not None:
        async def read_blob_(address: str) -> bytes | None:
            data: bytes | None = await blobs.get(address)
            return data
        read_blob = read_blob_
    return WebDeps(store=container.store, send=send, settings=settings, settle=settle,
                   read_blob=read_blob)


def install(app: FastAPI, container: Container) -> None:
    install_web(app, deps_for(container))
    from services.web.synthesis_pages import install_synthesis_web
    from services.web.vote_pages import install_vote_web

    install_vote_web(app, container)
    install_synthesis_web(app, container)


def web_service() -> Any:
    """The "web" entry of services.runtime.bootstrap.SERVICES."""
    from services.runtime.bootstrap import ServiceSpec

    return ServiceSpec(name="web", install=install)
