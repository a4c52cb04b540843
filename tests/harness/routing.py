"""The distributed topology's command routing in one test process (ADR 0035,
0038): replicas of a service serving its routed commands, and fronts sending
them, each a container with its own Kafka log client (its own writer index, as
separate processes would have), over the platform's broker and read store. A
front's pages and JSON API answer through `front_client`."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from tansu import Tansu

from harness.forms import admin_login
from harness.platform import SYSTEM, Platform, open_platform, until
from services.core.errors import CommandTimedOut, DomainError, NotFound
from services.core.schema_registry import SchemaRegistry
from services.eventlog.kafka import provision_topics
from services.runtime.app import create_app
from services.runtime.bootstrap import Container, bootstrap
from services.runtime.command_processes import front_commands, service_commands
from services.runtime.settings import Settings
from services.web.deps import web_of_app


@contextlib.asynccontextmanager
async def platform_on_a_broker(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                               ) -> AsyncIterator[Platform]:
    """A platform over a fresh Tansu broker whose event and command topics exist."""
    with Tansu() as broker:
        registry = SchemaRegistry()
        provision_topics(broker.bootstrap, {**registry.topics, **registry.command_topics},
                         cap_replication=True)
        async with open_platform(tmp_path, monkeypatch, broker.bootstrap) as p:
            yield p


def routed(p: Platform, timeout_s: float) -> Settings:
    """The platform's settings with the Kafka command bus, short group sessions
    (Tansu's joins take about half of one) and `timeout_s` for an answer."""
    return p.container.settings.model_copy(update={
        "command_bus": "kafka", "command_timeout_s": timeout_s,
        "kafka_session_timeout_ms": 3000, "kafka_heartbeat_interval_ms": 500})


@contextlib.asynccontextmanager
async def distributed(p: Platform, fronts: int, replicas: int, *,
                      service: str | Sequence[str] = "vote", timeout_s: float = 20.0,
                      serving: list[Container] | None = None
                      ) -> AsyncIterator[list[Container]]:
    """`replicas` processes of each `service` serving its routed commands (added
    to `serving` when given), and `fronts` containers sending them."""
    settings = routed(p, timeout_s)
    async with contextlib.AsyncExitStack() as stack:
        for name in [service] if isinstance(service, str) else service:
            for _ in range(replicas):
                replica = await stack.enter_async_context(
                    bootstrap(settings, clock=p.clock, services=[name]))
                await stack.enter_async_context(service_commands(replica, name))
                if serving is not None:
                    serving.append(replica)
        built = []
        for _ in range(fronts):
            built.append(await stack.enter_async_context(front(p, timeout_s)))
        yield built


@contextlib.asynccontextmanager
async def front(p: Platform, timeout_s: float) -> AsyncIterator[Container]:
    """One front sending the routed commands, waiting `timeout_s` for each answer."""
    async with bootstrap(routed(p, timeout_s), clock=p.clock) as container, \
            front_commands(container):
        yield container


def front_client(p: Platform, front: Container, who: str) -> httpx.AsyncClient:
    """A client of `front`'s own app (pages and JSON API) with `who`'s session."""
    client = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=create_app(front),  # type: ignore[arg-type]
                                      raise_app_exceptions=False),
        base_url="https://parlons.test")
    web = web_of_app(p.app)
    client.cookies.set(web.sessions.cookie, web.sessions.issue(who, kind="participant",
                                                                level="email"),
                       domain="parlons.test")
    return client


async def answered(front: Container, probes: Sequence[object]) -> bool:
    """Whether the replicas serving `probes` answer yet (their groups are joining
    at first): each refuses a command on what does not exist."""
    for probe in probes:
        try:
            await front.handle(probe, SYSTEM)
        except CommandTimedOut:
            return False
        except (DomainError, NotFound):
            continue
    return True


def decided(replica: Container, command: str) -> float:
    """How many `command`s the replica ran to success (its commands counter)."""
    return sum(s.value for f in text_string_to_metric_families(replica.metrics.render().decode())
               for s in f.samples if s.name == "parlons_commands_total"
               and s.labels == {"command": command, "outcome": "ok"})


def client_of(front: Container) -> httpx.AsyncClient:
    """A client of `front`'s own app, with no session."""
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(front)),  # type: ignore[arg-type]
                             base_url="https://parlons.test")


@dataclass(frozen=True)
class TwoFronts:
    fronts: list[Container]
    replicas: list[Container]  # one per service, in the order they were asked
    one: httpx.AsyncClient  # the two fronts' clients, one admin session on both
    two: httpx.AsyncClient


@contextlib.asynccontextmanager
async def admin_on_two_fronts(p: Platform, services: Sequence[str], probes: Sequence[object],
                              *, timeout_s: float, join_s: float) -> AsyncIterator[TwoFronts]:
    """One replica of each of `services` and two fronts, once the replicas answer
    `probes`; an admin logged in on the first front's client, its session shared by
    the second's, so the same form may be sent through either."""
    replicas: list[Container] = []
    async with distributed(p, fronts=2, replicas=1, service=services, timeout_s=timeout_s,
                           serving=replicas) as fronts:
        await until(lambda: answered(fronts[0], probes), timeout=join_s)
        async with client_of(fronts[0]) as one, client_of(fronts[1]) as two:
            await admin_login(one)
            two.cookies = one.cookies
            yield TwoFronts(fronts, replicas, one, two)
