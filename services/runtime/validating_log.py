"""An `EventLog` decorator: validates every appended event against its schema
(the boundary check of DESIGN §3) and measures appends. Reads and subscriptions
pass straight through."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence

from services.core.envelope import Envelope
from services.core.errors import ConcurrencyConflict, EventLogUnavailable
from services.core.schema_registry import SchemaRegistry
from services.eventlog.port import EventLog, Mark, Position, Recorded, Subscription
from services.runtime.metrics import Children, Metrics


class ValidatingEventLog(EventLog):
    def __init__(
        self,
        inner: EventLog,
        *,
        registry: SchemaRegistry,
        metrics: Metrics,
        validate: bool = True,
    ) -> None:
        self.inner = inner
        self._registry = registry
        self._metrics = metrics
        self._validate = validate
        self._latencies = Children(metrics.append_latency)
        self._appended = Children(metrics.events_appended)

    async def append(
        self, events: Sequence[Envelope], *, expect: Mapping[str, int] | None = None
    ) -> list[Recorded]:
        if self._validate:
            for event in events:
                try:
                    self._registry.validate(event)  # raises InvalidEvent naming the field
                except Exception:
                    self._metrics.append_failures.labels(reason="invalid").inc()
                    raise
        topic = events[0].topic if events else "none"
        started = time.perf_counter()
        try:
            recorded = await self.inner.append(events, expect=expect)
        except ConcurrencyConflict:
            self._metrics.append_failures.labels(reason="conflict").inc()
            raise
        except EventLogUnavailable:
            self._metrics.append_failures.labels(reason="unavailable").inc()
            raise
        self._latencies.of(topic).observe(time.perf_counter() - started)
        for rec in recorded:
            if not rec.duplicate:
                self._appended.of(rec.event.type).inc()
        return recorded

    async def read(
        self, topic: str, *, start: Position | None = None, limit: int = 1000
    ) -> list[Recorded]:
        return await self.inner.read(topic, start=start, limit=limit)

    async def read_stream(self, stream: str) -> list[Envelope]:
        return await self.inner.read_stream(stream)

    async def stream_version(self, stream: str) -> int:
        return await self.inner.stream_version(stream)

    async def read_stream_and_version(self, stream: str,
                                      other: str) -> tuple[list[Envelope], int]:
        return await self.inner.read_stream_and_version(stream, other)

    async def subscribe(self, group: str, topics: Sequence[str]) -> Subscription:
        return await self.inner.subscribe(group, topics)

    async def reset_group(self, group: str) -> None:
        await self.inner.reset_group(group)

    async def start(self) -> None:
        await self.inner.start()

    async def close(self) -> None:
        await self.inner.close()

    async def ping(self) -> None:
        await self.inner.ping()

    async def prepare_to_decide(self) -> None:
        await self.inner.prepare_to_decide()

    async def take_over(self, topic: str) -> None:
        await self.inner.take_over(topic)

    async def events_at(self, marks: Sequence[Mark]) -> dict[Mark, str | None]:
        return await self.inner.events_at(marks)

    async def ends(self, topic: str) -> Position:
        return await self.inner.ends(topic)

    async def size(self, topic: str) -> int:
        return await self.inner.size(topic)

    async def identity(self) -> str:
        return await self.inner.identity()
