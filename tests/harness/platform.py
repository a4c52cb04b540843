"""Parlons embedded as in production but in one process: SQLite event log, read
store and vault in a temporary folder, projection workers running, settings from
PARLONS_* variables set for the test only. Clients over ASGI, with or without a
participant's session, and `until` to wait for the projections."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from services.core.clock import FixedClock
from services.core.envelope import Actor, Envelope
from services.core.events import Meta
from services.identity.commands import GrantRole, RegisterParticipant
from services.identity.model import new_participant_id
from services.identity.queries import roles_in
from services.runtime.app import create_app
from services.runtime.bootstrap import Container, bootstrap
from services.runtime.runner import running
from services.runtime.settings import Settings
from services.web.deps import web_of_app
from services.web.passwords import hash_password

ADMIN_PASSWORD = "mot de passe de test très long"
SYSTEM = Meta(actor=Actor(id="system", role="system"))


@dataclass
class Platform:
    container: Container
    app: object
    clock: FixedClock
    data_dir: Path
    client: Callable[[], httpx.AsyncClient]


@asynccontextmanager
async def open_platform(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                        kafka_bootstrap: str | None = None,
                        env: dict[str, str] | None = None) -> AsyncIterator[Platform]:
    """Parlons embedded on SQLite in `tmp_path/var`, workers running, settings
    from PARLONS_* variables set for the test only (`env`: more of them, without the
    prefix, e.g. {"ENVIRONMENT": "production"}). With `kafka_bootstrap`, the
    event log is that broker's topics instead (the distributed topology's log,
    every service's worker still in this process)."""
    for name, value in {"SECRET_KEY": "web-test-secret", "IDENTITY_SECRET": "id-test-secret",
                        "ENVIRONMENT": "development", "ADMIN_USER": "orga",
                        "ADMIN_PASSWORD_HASH": hash_password(ADMIN_PASSWORD),
                        "SECURE_COOKIES": "true", "PUBLIC_URL": "https://parlons.test",
                        "RATE_LOGIN_PER_HOUR": "5", **(env or {})}.items():
        monkeypatch.setenv(f"PARLONS_{name}", value)
    clock = FixedClock(datetime.now(UTC))
    log: dict[str, object] = {"event_log": "sqlite"}
    if kafka_bootstrap:
        log = {"event_log": "kafka", "kafka_bootstrap": kafka_bootstrap,
               "kafka_session_timeout_ms": 6000, "kafka_heartbeat_interval_ms": 1000}
    settings = Settings(read_store="sqlite", data_dir=tmp_path / "var",
                        worker_poll_timeout=0.02, worker_backoff_base=0.01,
                        **log)  # type: ignore[arg-type]
    container = bootstrap(settings, clock=clock)
    app = create_app(container)
    clients: list[httpx.AsyncClient] = []

    def client() -> httpx.AsyncClient:
        c = httpx.AsyncClient(transport=httpx.ASGITransport(app=app),  # type: ignore[arg-type]
                              base_url="https://parlons.test")
        clients.append(c)
        return c

    async with running(container):
        yield Platform(container, app, clock, tmp_path / "var", client)
        for c in clients:
            await c.aclose()


def session_client(p: Platform, who: str | None, kind: str = "participant") -> httpx.AsyncClient:
    """A client whose requests carry `who`'s session (e-mail level), or none."""
    client = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=p.app, raise_app_exceptions=False),  # type: ignore[arg-type]
        base_url="https://parlons.test")
    if who is not None:
        web = web_of_app(p.app)
        client.cookies.set(web.sessions.cookie, web.sessions.issue(who, kind=kind, level="email"),
                           domain="parlons.test")
    return client


async def participant(p: Platform, pseudonym: str) -> str:
    """Registers a participant (`<pseudonym>@exemple.fr`); returns their id."""
    pid = new_participant_id()
    await p.container.handle(RegisterParticipant(pid, f"{pseudonym.lower()}@exemple.fr",
                                                 pseudonym), SYSTEM)
    return pid


async def granted(p: Platform, who: str, consultation_id: str, role: str) -> None:
    """Grants `role` and waits until the pages see it: they authorise on the roles'
    read model, which the projection updates in the background (a page asked at
    once answered 403 now and then on a loaded machine)."""
    await p.container.handle(GrantRole(who, consultation_id, role), SYSTEM)

    async def seen() -> bool:
        return role in await roles_in(p.container.store, who, consultation_id)
    await until(seen)


async def until(check: Callable[[], Awaitable[object]], timeout: float = 5.0) -> None:
    """Waits until `await check()` is true: the projections run in the background."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not await check():
        assert asyncio.get_running_loop().time() < deadline, "projection did not catch up"
        await asyncio.sleep(0.02)


async def polled(get: Callable[[], Awaitable[httpx.Response]],
                 ok: Callable[[httpx.Response], bool], timeout: float = 10.0) -> httpx.Response:
    """Repeats the request until `ok(response)` or the timeout; the last response
    (the caller asserts on it)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        response = await get()
        if ok(response) or asyncio.get_running_loop().time() > deadline:
            return response
        await asyncio.sleep(0.02)


async def submitted(container: Container) -> list[Envelope]:
    """The contributions submitted (proposals, responses, arguments, comments), not
    the Idempotency-Key records written beside them."""
    return [r.event for r in await container.log.read("deposit.events", limit=100_000)
            if r.event.type.endswith("Submitted")]
