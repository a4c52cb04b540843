"""What the web layer needs from the rest of Parlons: ports only. The runtime
builds one `WebDeps` from its container (services/runtime/front.py); tests build
one over the memory fakes. Routes are module-level functions that receive the
`Web` built from it through the `WebDep` dependency."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Annotated, Any, Protocol, TypeVar

from fastapi import Depends
from jinja2 import Environment
from starlette.requests import Request

from services.apikit.deps import Providers
from services.core.bus import Bus
from services.core.envelope import Actor
from services.core.events import Meta, correlation_id
from services.core.ids import new_id
from services.eventlog.port import EventLog
from services.identity.flows import IdentityFlows
from services.identity.service import IdentityPorts
from services.store.port import ReadStore
from services.web.client_ip import Network, trusted_networks
from services.web.security import Csrf, Sessions
from services.web.settings import WebSettings
from services.web.throttle import LoginThrottle


class CommandSender(Protocol):
    """Hands a command to its handler; raises DomainError (French message) on refusal."""

    def __call__(self, command: Any) -> Awaitable[Any]: ...


class BlobReader(Protocol):
    """Reads an uploaded file's bytes by its content address (for downloads)."""

    def __call__(self, address: str) -> Awaitable[bytes | None]: ...


async def _nothing_to_wait_for() -> None:
    return None


T = TypeVar("T")


@dataclass
class WebDeps:
    store: ReadStore
    # The back office's sender: the command under the organiser acting now.
    send: CommandSender
    # The bus itself, for pages that send under the participant's own id.
    bus: Bus | None = None
    settings: WebSettings = field(default_factory=WebSettings)
    read_blob: BlobReader | None = None
    # Waits until projections have applied what was just written, so the page the
    # organiser is redirected to shows their change (read-your-writes).
    settle: Callable[[], Awaitable[None]] = _nothing_to_wait_for
    # The ports handlers are given (log, search_index, identity...), by name.
    ports: Mapping[str, object] = field(default_factory=dict)
    data_dir: Path = Path("./var")

    def port(self, name: str, kind: type[T]) -> T | None:
        found = self.ports.get(name)
        return found if isinstance(found, kind) else None


@dataclass
class Web:
    """Everything a route needs, built once at start."""

    deps: WebDeps
    env: Environment
    sessions: Sessions
    csrf: Csrf
    admin_password_hash: str
    # Who is acting, for the JSON APIs and the pages alike (the identity pages fill it).
    providers: Providers = field(default_factory=Providers)
    # Failed password logins per account and per client, with backoff (ADR 0042).
    login_throttle: LoginThrottle = field(default_factory=lambda: LoginThrottle(""))
    # What pages of this front keep between views, by name (an expensive
    # computation shared by its viewers: services/web/synthesis/groups_cache.py).
    caches: dict[str, Any] = field(default_factory=dict)

    @property
    def bus(self) -> Bus:
        if self.deps.bus is None:
            raise RuntimeError("this front end was built without a command bus")
        return self.deps.bus

    async def send_as(self, participant_id: str, command: object) -> Any:
        """Run `command` as the participant themselves (their pseudonymous id),
        in this request's correlation: what a participant's page sends."""
        meta = Meta(Actor(participant_id, "participant"),
                    correlation_id=correlation_id() or new_id())
        return await self.bus.handle(command, meta)

    @property
    def log(self) -> EventLog:
        log = self.deps.port("log", EventLog)
        if log is None:
            raise RuntimeError("this front end was built without the event log")
        return log

    @cached_property
    def identity(self) -> IdentityFlows:
        """The identity service's flows (sign-in, erasure, team), built once."""
        ports = self.deps.port("identity", IdentityPorts)
        if ports is None:
            raise RuntimeError("this front end was built without the identity service")
        return IdentityFlows(ports, self.bus, self.store, self.deps.settle)

    @cached_property
    def trusted_proxies(self) -> tuple[Network, ...]:
        """PARLONS_TRUSTED_PROXIES, parsed once (services/web/client_ip.py)."""
        return trusted_networks(self.settings.trusted_proxies)

    @property
    def store(self) -> ReadStore:
        return self.deps.store

    @property
    def settings(self) -> WebSettings:
        return self.deps.settings


# On the app itself, as the API's state (services/apikit/deps.py says why).
WEB_STATE = "parlons_web"


def install(app: Any, web: Web) -> None:
    setattr(app, WEB_STATE, web)


async def get_web(request: Request) -> Web:
    """The front end's `Web`, for a route: `web: WebDep`."""
    web: Web = getattr(request.app, WEB_STATE)
    return web


def web_of(request: Request) -> Web:
    """The same, outside a route (a middleware, an exception handler)."""
    web: Web = getattr(request.app, WEB_STATE)
    return web


def web_of_app(app: Any) -> Web:
    """The same, from the app (the tests' harness)."""
    web: Web = getattr(app, WEB_STATE)
    return web


WebDep = Annotated[Web, Depends(get_web)]
