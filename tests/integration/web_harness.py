"""A Parlons with the web front end over the memory fakes, for the web tests:
commands go through the real container, projections are caught up before each
page is read (what the runtime's workers do in the background)."""

from __future__ import annotations

from services.core.envelope import Actor
from services.core.events import Meta
from services.runtime.bootstrap import Container, bootstrap
from services.runtime.settings import Settings
from services.store.memory import MemoryReadStore
from services.web.deps import WebDeps
from services.web.passwords import hash_password
from services.web.settings import WebSettings

ADMIN_PASSWORD = "correct horse battery staple"
ADMIN_HASH = hash_password(ADMIN_PASSWORD)


async def catch_up(container: Container) -> None:
    for worker in container.workers():
        sub = await container.log.subscribe(worker.group, worker.projection.topics)
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

    return WebDeps(store=container.store, send=send, settings=settings, settle=settle)


def make_container() -> Container:
    return bootstrap(Settings(event_log="memory", read_store="memory", worker_poll_timeout=0.01),
                     store=MemoryReadStore())
