"""Binds the web front end to a container: what the pages are given (the bus
as the back office's command sender, the read store, the ports, the
read-your-writes wait) and the identity service's providers of who is acting."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from services.apikit.deps import ApiState
from services.core.envelope import Actor
from services.core.events import Meta, correlation_id
from services.core.ids import new_id
from services.eventlog.port import ends_of
from services.runtime.bootstrap import Container, LagSource
from services.runtime.secrets import secret_key
from services.web.app import install_web, web_csp
from services.web.deps import WebDeps
from services.web.session import back_office_actor
from services.web.settings import WebSettings

if TYPE_CHECKING:
    from fastapi import FastAPI

SETTLE_MAX_SECONDS = 2.0


def web_deps(container: Container, settings: WebSettings | None = None) -> WebDeps:
    if settings is None:
        key = secret_key(container.settings)
        settings = WebSettings(secret_key=key) if key else WebSettings()

    async def send(command: Any) -> Any:
        # An organiser participant acts under their own pseudonymous id (set by the
        # identity guard); the settings-configured admin under its user name.
        actor = back_office_actor() or Actor(id=settings.admin_user, role="organiser")
        meta = Meta(actor=actor, correlation_id=correlation_id() or new_id())
        return await container.handle(command, meta)

    async def settle() -> None:
        """Read-your-writes for the back office and the participants' forms: wait
        (bounded) until every running worker, in this process, in the projections
        process of `serve --workers` or in the distributed topology's worker
        processes, has consumed what the log held when the wait began (the
        write just acknowledged, and what came before it). Asked of the log
        itself, not read from the gauge, which lags one poll behind an append (CI
        saw a redirect race ahead of a claim). Writes appended during the wait do
        not prolong it: under a steady load the workers are never at lag 0, and
        waiting for that held every form for the whole bound (ADR 0036). Best
        effort: after SETTLE_MAX_SECONDS the page shows what is there."""
        sources: list[LagSource] = [*container.built_workers, *container.watched]
        if not sources:
            return
        loop = asyncio.get_running_loop()
        deadline = loop.time() + SETTLE_MAX_SECONDS
        topics = sorted({t for c in container.consumers for t in c.topics})
        try:
            upto = await ends_of(container.log, topics)
        except Exception:  # a broker hiccup must not fail the user's action
            return
        while True:
            try:
                behind = [await w.behind(upto) for w in sources]
            except Exception:
                return
            if not any(behind) or loop.time() >= deadline:
                return
            await asyncio.sleep(0.02)

    async def read_blob(address: str) -> bytes | None:
        data: bytes | None = await container.blobs.get(address)
        return data

    return WebDeps(store=container.store, send=send, bus=container, settings=settings,
                   settle=settle, read_blob=read_blob, ports=container.ports,
                   data_dir=container.settings.data_dir)


def install_front(app: FastAPI, container: Container, state: ApiState) -> str:
    """The front end on `app`; returns the pages' Content-Security-Policy (the
    runtime puts the security headers outermost itself)."""
    deps = web_deps(container)
    install_web(app, deps, state.providers, headers=False)
    return web_csp(deps.settings)
