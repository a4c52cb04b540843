"""THE composition root: builds a process's container from settings -- the
adapters (services/runtime/adapters.py), the services it hosts
(services/runtime/services.py), their handlers bound to the ports they ask for
by keyword (cosmicpython's bootstrap), their projections and process managers.
Nothing is built at import."""

from __future__ import annotations

import asyncio
import inspect
import time
import weakref
from collections.abc import Callable, Mapping, Sequence
from functools import partial
from types import TracebackType
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from services.core.clock import Clock, SystemClock
from services.core.errors import (
    AccessRefused,
    ConcurrencyConflict,
    DomainError,
    InvalidEvent,
    NotFound,
    Unavailable,
)
from services.core.events import Meta
from services.core.process import ProcessManager
from services.core.schema_registry import SchemaRegistry
from services.eventlog.port import EventLog, Position
from services.runtime import adapters
from services.runtime.amnesia import MarksProgress
from services.runtime.metrics import Children, Metrics
from services.runtime.read_stores import DataOwners
from services.runtime.services import SERVICES, Handler, ServiceSpec
from services.runtime.settings import Settings
from services.runtime.validating_log import ValidatingEventLog
from services.runtime.worker import Consumer, Worker, WorkerTuning
from services.store.port import ReadStore
from services.store.projection import Projection

if TYPE_CHECKING:
    from services.consultation.blobstore import BlobStore
    from services.runtime.command_routing import RemoteCommands

T = TypeVar("T")


class LagSource(Protocol):
    """A consumer whose progress can be asked of the log (what read-your-writes
    waits on: a worker, a subscription, a front's view of the workers' groups)."""

    async def behind(self, upto: Mapping[str, Position]) -> int:
        """Events below `upto` (topic -> partition -> offset) not yet consumed."""
        ...


class Container:
    """Everything a process needs, built once from settings. It is the bus its
    entry points hand commands to (`handle`)."""

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
        answers: ReadStore | None = None,
    ) -> None:
        self.settings = settings
        self.log = log
        self.store = store
        # the HTTP front's idempotency answers: their own file, or the read store
        self.answers = answers if answers is not None else store
        self.clock = clock
        self.registry = registry
        self.metrics = metrics
        self._command_counts = Children(metrics.commands)
        self._routed_counts = Children(metrics.routed)
        self._command_durations = Children(metrics.command_duration)
        self.blobs = blobs  # uploaded files, addressed by SHA-256
        self.services = list(services)
        deps: dict[str, object] = {"log": log, "store": store, "clock": clock,
                                   "registry": registry, "blobs": blobs,
                                   "max_bytes": settings.upload_max_bytes,
                                   # how far a read model has taken the log in (ADR 0054)
                                   "progress": MarksProgress(store)}
        for spec in self.services:
            if spec.ports is not None:
                deps.update(spec.ports(settings, clock))
        # weak: the runner owns its workers; ones built and dropped (tests) go away
        self.built_workers: weakref.WeakSet[Worker] = weakref.WeakSet()
        # the consumers another process runs over the same log (`serve --workers`):
        # read-your-writes waits on their lag too (services/runtime/supervisor.py)
        self.watched: list[LagSource] = []
        # set by the runner when its workers stopped because the log lost what they
        # had seen (ADR 0032): a worker process then exits with code 3
        self.halted = asyncio.Event()
        # the parts of this process still getting ready ("commands": a replica that
        # has not joined its command group yet; "decisions": a front whose log is
        # still being prepared to decide, ADR 0123): /readyz fails with them, and a
        # rolling update keeps the process it replaces until the set is empty
        self.starting: set[str] = set()
        self.ports: Mapping[str, object] = deps  # what entry points may need too
        # the distributed front's bus for the commands routed to their service's
        # replicas (ADR 0035); None: every command runs here
        self.remote: RemoteCommands | None = None
        # a factory may ask for ports by keyword, like a handler (a process manager
        # appending events needs `log`); plain projection classes take none
        self.projections: list[Projection] = []
        self.projection_owners: dict[str, str] = {}  # projection name -> its service
        for spec in self.services:
            for make in spec.projections:
                projection = _build(make, deps)
                self.projections.append(projection)
                self.projection_owners[projection.name] = spec.name
        self.processes: list[ProcessManager] = [
            _build(make, deps) for spec in self.services for make in spec.processes]
        self.handlers: dict[type, Handler] = {
            command: _bind(handler, deps)
            for spec in self.services for command, handler in spec.handlers.items()
        }

    @property
    def consumers(self) -> list[Consumer]:
        """Every consumer of the hosted services' events: the projections, then the
        process managers (each a consumer group of its own)."""
        return [*self.projections, *self.processes]

    @property
    def service_names(self) -> list[str]:
        return [spec.name for spec in self.services]

    async def handle(self, command: object, meta: Meta) -> Any:
        """Run the handler of `command` with its ports already bound, counted by
        outcome (`parlons_commands_total`); a command routed to its owning
        service's replicas is counted by its outcome here as routed
        (`parlons_commands_routed_total`), and as decided by the replica."""
        remote, routed = self.remote, False
        if remote is not None and remote.routes(command):
            handler: Handler = remote.handle
            routed = True
        else:
            try:
                handler = self.handlers[type(command)]
            except KeyError:
                raise LookupError(f"no handler for {type(command).__name__}") from None
        name = type(command).__name__
        started = time.perf_counter()
        outcome = "error"
        try:
            result = await handler(command, meta=meta)
            outcome = "ok"
            return result
        except Exception as error:
            outcome = command_outcome(error)
            raise
        finally:
            if routed:
                self._routed_counts.of(name, outcome).inc()
            else:
                self._command_counts.of(name, outcome).inc()
                self._command_durations.of(name).observe(time.perf_counter() - started)

    def port(self, name: str, kind: type[T]) -> T:
        """The port its handlers ask for by `name` (the identity service's...), as
        `kind`; a container built without it is a mistake of its caller."""
        found = self.ports.get(name)
        if not isinstance(found, kind):
            raise LookupError(f"no port '{name}' of type {kind.__name__} in this container"
                              f" (services: {', '.join(self.service_names)})")
        return found

    def projection(self, name: str) -> Projection:
        for p in self.projections:
            if p.name == name:
                return p
        known = ", ".join(p.name for p in self.projections)
        raise LookupError(f"no projection '{name}' (known: {known})")

    def workers(self) -> list[Worker]:
        s = self.settings
        tuning = WorkerTuning(
            batch_size=s.worker_batch_size, poll_timeout=s.worker_poll_timeout,
            retries=s.worker_retries, backoff_base=s.worker_backoff_base,
            backoff_max=s.worker_backoff_max, verify_every=s.worker_verify_every,
        )
        built = [Worker(c, log=self.log, store=self.store, clock=self.clock,
                        metrics=self.metrics, tuning=tuning) for c in self.consumers]
        self.built_workers.update(built)  # read-your-writes asks them their lag
        return built

    async def start(self) -> None:
        await self.log.start()
        await self.store.start()
        if self.answers is not self.store:
            from services.apikit.idempotency import move_answers

            await self.answers.start()
            await move_answers(self.store, self.answers)  # kept there before ADR 0116

    async def close(self) -> None:
        try:
            await self.log.close()
        finally:
            try:
                await self.store.close()
            finally:
                if self.answers is not self.store:
                    await self.answers.close()

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
    projects: bool = True,
) -> Container:
    """Build a container. Tests pass fakes for `log`/`store`/`clock`; anything
    not passed comes from `settings`. `services` limits which services this
    process hosts (default: all, the embedded topology). `projects`: False for a
    process that runs none of their projections (the distributed topology's HTTP
    front): it opens their read stores read-only when each service has its own
    (ADR 0037)."""
    names = list(services or SERVICES)
    settings = settings or Settings()
    registry = SchemaRegistry()
    metrics = Metrics()
    raw_log = log or adapters.event_log(settings, registry,
                                        on_rewind=lambda _: metrics.log_rewinds.inc())
    return Container(
        settings=settings,
        log=ValidatingEventLog(raw_log, registry=registry, metrics=metrics,
                               validate=settings.validate_events),
        store=store or adapters.read_store(settings, names, writes=projects,
                                           owners=data_owners),
        clock=clock or SystemClock(),
        registry=registry,
        metrics=metrics,
        services=[SERVICES[name]() for name in names],
        blobs=blobs or adapters.blob_store(settings),
        # a store passed in (a test's fake) keeps the answers too
        answers=adapters.answers_store(settings) if store is None else None,
    )


def data_owners() -> DataOwners:
    """Who owns each table: every service's declarations (ADR 0037)."""
    return DataOwners([make() for make in SERVICES.values()])


def command_outcome(error: BaseException) -> str:
    """The `outcome` label of a command that raised `error`."""
    if isinstance(error, ConcurrencyConflict):
        return "conflict"
    if isinstance(error, Unavailable):
        return "unavailable"
    if isinstance(error, DomainError | NotFound | InvalidEvent | AccessRefused):
        return "refused"
    return "error"


def _build(make: Callable[..., Any], deps: Mapping[str, object]) -> Any:
    wanted = inspect.signature(make).parameters
    return make(**{name: dep for name, dep in deps.items() if name in wanted})


def _bind(handler: Handler, deps: Mapping[str, object]) -> Handler:
    """Inject the ports a handler asks for by keyword (cosmicpython's bootstrap)."""
    wanted = inspect.signature(handler).parameters
    return partial(handler, **{name: dep for name, dep in deps.items() if name in wanted})
