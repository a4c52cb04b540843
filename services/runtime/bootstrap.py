"""THE composition root: the one place that picks adapters from settings and
binds handlers to ports. Heavy drivers are imported only when chosen.

A service contributes a `ServiceSpec` (its projections, its command handlers,
its HTTP router or installer); `SERVICES` lists them. Adding a service means adding one
entry there.
"""

from __future__ import annotations

import inspect
import weakref
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from services.core.clock import Clock, SystemClock
from services.core.events import Meta
from services.core.projection import Projection
from services.core.schema_registry import SchemaRegistry
from services.eventlog.port import EventLog
from services.runtime.metrics import Metrics
from services.runtime.settings import Settings
from services.runtime.validating_log import ValidatingEventLog
from services.runtime.worker import ProjectionWorker, WorkerTuning
from services.store.port import ReadStore

if TYPE_CHECKING:
    from fastapi import APIRouter, FastAPI

    from services.consultation.blobstore import BlobStore

Handler = Callable[..., Awaitable[Any]]


@dataclass(frozen=True)
class ServiceSpec:
    name: str
    projections: Sequence[Callable[..., Projection]] = ()
    handlers: Mapping[type, Handler] = field(default_factory=dict)
    router: Callable[[], APIRouter] | None = None
    # For more than a router (middlewares, static files, error pages): the web front end.
    install: Callable[[FastAPI, Container], None] | None = None
    # Ports of its own that its handlers ask for by keyword (the identity vault...).
    ports: Callable[[Settings, Clock], Mapping[str, object]] | None = None


def _consultation() -> ServiceSpec:
    from services.consultation import api, service

    return ServiceSpec(
        name="consultation",
        projections=service.PROJECTIONS,
        handlers=service.HANDLERS,
        router=api.router,
    )


def _web() -> ServiceSpec:
    from services.web.wiring import web_service

    spec: ServiceSpec = web_service()
    return spec


def _identity() -> ServiceSpec:
    from services.identity import service

    def ports(settings: Settings, clock: Clock) -> Mapping[str, object]:
        return service.build_ports(settings, clock=clock).as_deps()

    return ServiceSpec(name="identity", projections=service.PROJECTIONS,
                       handlers=service.HANDLERS, install=service.install, ports=ports)


def _deposit() -> ServiceSpec:
    from services.deposit import api, service

    return ServiceSpec(name="deposit", projections=service.PROJECTIONS,
                       handlers=service.HANDLERS, router=api.router)


def _moderation() -> ServiceSpec:
    from services.moderation import api, service

    return ServiceSpec(name="moderation", projections=service.PROJECTIONS,
                       handlers=service.HANDLERS, router=api.router)


def _vote() -> ServiceSpec:
    from services.vote import api, api_cast, service

    return ServiceSpec(name="vote", projections=service.PROJECTIONS, handlers=service.HANDLERS,
                       router=api.router, install=api_cast.install, ports=service.ports)


def _search() -> ServiceSpec:
    from services.search import api, service

    return ServiceSpec(name="search", projections=service.PROJECTIONS, router=api.router,
                       handlers=service.HANDLERS, ports=service.ports)


def _synthesis_stats() -> ServiceSpec:
    from services.synthesis.stats import api, service

    return ServiceSpec(name="synthesis_stats", projections=service.PROJECTIONS,
                       handlers=service.HANDLERS, router=api.router, install=service.install)


def _synthesis_themes() -> ServiceSpec:
    from services.synthesis.runs import service

    return ServiceSpec(name="synthesis_themes", projections=service.PROJECTIONS,
                       handlers=service.HANDLERS)


SERVICES: dict[str, Callable[[], ServiceSpec]] = {
    "consultation": _consultation,
    "deposit": _deposit,
    "moderation": _moderation,
    "vote": _vote,
    "search": _search,
    "synthesis_themes": _synthesis_themes,  # theme runs, validation, follow-up
    "web": _web,
    "identity": _identity,  # after "web": it adds its pages to the web front end
    "synthesis_stats": _synthesis_stats,  # after "web": closed questions, open data pages
}


class Container:
    """Everything a process needs, built once from settings."""

    def __init__(
        self,
        *,
        settings: Settings,
        log: EventLog,
        store: ReadStore,
        clock: Clock,
        registry: SchemaRegistry,
        metrics: Metrics,
        services: Sequence[ServiceSpec],
        blobs: BlobStore,
    ) -> None:
        self.settings = settings
        self.log = log
        self.store = store
        self.clock = clock
        self.registry = registry
        self.metrics = metrics
        self.blobs = blobs  # uploaded files, addressed by SHA-256
        self.services = list(services)
        deps: dict[str, object] = {"log": log, "store": store, "clock": clock,
                                   "registry": registry, "blobs": blobs,
                                   "max_bytes": settings.upload_max_bytes}
        for spec in self.services:
            if spec.ports is not None:
                deps.update(spec.ports(settings, clock))
        # weak: the runner owns its workers; ones built and dropped (tests) go away
        self.built_workers: weakref.WeakSet[ProjectionWorker] = weakref.WeakSet()
        self.ports = deps  # for install hooks that need a service's own ports
        # a projection factory may ask for ports by keyword, like a handler (a process
        # manager appending events needs `log`); plain projection classes take none
        self.projections: list[Projection] = [
            _build(make, deps) for spec in self.services for make in spec.projections
        ]
        self.handlers: dict[type, Handler] = {
            command: _bind(handler, deps)
            for spec in self.services for command, handler in spec.handlers.items()
        }

    async def handle(self, command: object, meta: Meta) -> Any:
        """Run the handler of `command` with its ports already bound."""
        try:
            handler = self.handlers[type(command)]
        except KeyError:
            raise LookupError(f"no handler for {type(command).__name__}") from None
        return await handler(command, meta=meta)

    def projection(self, name: str) -> Projection:
        for p in self.projections:
            if p.name == name:
                return p
        known = ", ".join(p.name for p in self.projections)
        raise LookupError(f"no projection '{name}' (known: {known})")

    def workers(self) -> list[ProjectionWorker]:
        s = self.settings
        tuning = WorkerTuning(
            batch_size=s.worker_batch_size, poll_timeout=s.worker_poll_timeout,
            retries=s.worker_retries, backoff_base=s.worker_backoff_base,
            backoff_max=s.worker_backoff_max,
        )
        built = [
            ProjectionWorker(p, log=self.log, store=self.store, clock=self.clock,
                             metrics=self.metrics, tuning=tuning)
            for p in self.projections
        ]
        self.built_workers.update(built)  # read-your-writes asks them their lag
        return built

    async def start(self) -> None:
        await self.log.start()
        await self.store.start()

    async def close(self) -> None:
        try:
            await self.log.close()
        finally:
            await self.store.close()

    async def __aenter__(self) -> Container:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()


def bootstrap(
    settings: Settings | None = None,
    *,
    log: EventLog | None = None,
    store: ReadStore | None = None,
    clock: Clock | None = None,
    blobs: BlobStore | None = None,
    services: Sequence[str] | None = None,
) -> Container:
    """Build a container. Tests pass fakes for `log`/`store`/`clock`; anything
    not passed comes from `settings`. `services` limits which services this
    process hosts (default: all, the embedded topology)."""
    settings = settings or Settings()
    registry = SchemaRegistry()
    metrics = Metrics()
    raw_log = log or _event_log(settings, registry)
    return Container(
        settings=settings,
        log=ValidatingEventLog(raw_log, registry=registry, metrics=metrics,
                               validate=settings.validate_events),
        store=store or _read_store(settings),
        clock=clock or SystemClock(),
        registry=registry,
        metrics=metrics,
        services=[SERVICES[name]() for name in (services or SERVICES)],
        blobs=blobs or _blob_store(settings),
    )


def _event_log(settings: Settings, registry: SchemaRegistry) -> EventLog:
    if settings.event_log == "memory":
        from services.eventlog.memory import MemoryEventLog

        return MemoryEventLog(key_for=registry.key)
    if settings.event_log == "sqlite":
        from services.eventlog.sqlite import SqliteEventLog

        sqlite_log: EventLog = SqliteEventLog(
            _ensure_parent(settings.events_db), key_for=registry.key)
        return sqlite_log
    from services.eventlog.kafka import KafkaEventLog

    kafka_log: EventLog = KafkaEventLog(
        settings.kafka_bootstrap, registry.topics, registry.key,
        request_timeout_ms=settings.kafka_request_timeout_ms,
        session_timeout_ms=settings.kafka_session_timeout_ms,
        heartbeat_interval_ms=settings.kafka_heartbeat_interval_ms,
    )
    return kafka_log


def _read_store(settings: Settings) -> ReadStore:
    if settings.read_store == "memory":
        from services.store.memory import MemoryReadStore

        return MemoryReadStore()
    from services.store.sqlite import SqliteReadStore

    sqlite_store: ReadStore = SqliteReadStore(_ensure_parent(settings.read_db))
    return sqlite_store


def _blob_store(settings: Settings) -> BlobStore:
    from services.consultation.blobstore import FilesystemBlobStore, MemoryBlobStore

    if settings.read_store == "memory":  # a throwaway platform keeps no files either
        return MemoryBlobStore()
    return FilesystemBlobStore(settings.data_dir / "blobs")


def _ensure_parent(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def _build(make: Callable[..., Projection], deps: Mapping[str, object]) -> Projection:
    wanted = inspect.signature(make).parameters
    return make(**{name: dep for name, dep in deps.items() if name in wanted})


def _bind(handler: Handler, deps: Mapping[str, object]) -> Handler:
    """Inject the ports a handler asks for by keyword (cosmicpython's bootstrap)."""
    wanted = inspect.signature(handler).parameters
    return partial(handler, **{name: dep for name, dep in deps.items() if name in wanted})
