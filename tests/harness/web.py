"""A Parlons with the web front end over the memory fakes, for the web tests:
commands go through the real container, projections are caught up before each
page is read (what the runtime's workers do in the background)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx

from harness.forms import csrf_of, post_form
from services.core.envelope import Actor
from services.core.events import Meta
from services.runtime.bootstrap import Container, bootstrap
from services.runtime.settings import Settings
from services.store.memory import MemoryReadStore
from services.web.deps import WebDeps, web_of_app
from services.web.passwords import hash_password
from services.web.settings import WebSettings

ADMIN_PASSWORD = "correct horse battery staple"
ADMIN_HASH = hash_password(ADMIN_PASSWORD)


async def catch_up(container: Container) -> None:
    for worker in container.workers():
        sub = await container.log.subscribe(worker.group, worker.consumer.topics)
        try:
            while await worker.run_once(sub):
                pass
        finally:
            await sub.close()


def make_deps(container: Container, **overrides: object) -> WebDeps:
    settings = WebSettings(environment="test", secret_key="test-secret",
                           admin_user="orga", admin_password_hash=ADMIN_HASH, **overrides)
    meta = Meta(actor=Actor(id="orga", role="organiser"))

    async def send(command: object) -> object:
        return await container.handle(command, meta)

    async def settle() -> None:
        await catch_up(container)

    async def read_blob(address: str) -> bytes | None:
        data: bytes | None = await container.blobs.get(address)
        return data

    return WebDeps(store=container.store, send=send, bus=container, settings=settings,
                   settle=settle, read_blob=read_blob, ports=container.ports)


def make_container(**settings: object) -> Container:
    return bootstrap(Settings(event_log="memory", read_store="memory", worker_poll_timeout=0.01,
                              **settings),  # type: ignore[arg-type]
                     store=MemoryReadStore())


@asynccontextmanager
async def web_client(container: Container | None = None,
                     **settings: object) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client on the web app over `container` (a fresh one by default)."""
    from services.web.app import create_web_app

    container = container or make_container()
    async with container:
        app = create_web_app(make_deps(container, **settings))
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            yield c


def app_client(app: object, participant: str | None = None) -> httpx.AsyncClient:
    """A client on an app made by `create_web_app`, with `participant`'s session
    (e-mail level) or none."""
    cookies = {}
    if participant:
        web = web_of_app(app)
        cookies[web.sessions.cookie] = web.sessions.issue(participant, kind="participant",
                                                          level="email")
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app),  # type: ignore[arg-type]
                             base_url="http://testserver", cookies=cookies)


async def login(client: httpx.AsyncClient) -> None:
    page = await client.get("/admin/connexion")
    r = await client.post("/admin/connexion", data={
        "csrf_token": csrf_of(page.text), "utilisateur": "orga",
        "mot_de_passe": ADMIN_PASSWORD, "suite": "/admin"})
    assert r.status_code == 303, r.text


async def new_consultation(client: httpx.AsyncClient, title: str = "Mobilités",
                           slug: str = "mobilites") -> str:
    """Creates a consultation through the back office; returns its admin URL."""
    r = await post_form(client, "/admin/consultations/nouvelle", "/admin/consultations/nouvelle",
                        {"title": title, "slug": slug})
    assert r.status_code == 303, r.text
    return str(r.headers["location"])
