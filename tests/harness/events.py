"""Event logs built by hand for the unit worlds: a memory log that validates
every event against its schema before appending it (what the schema registry
enforces in production), and `Streams`, envelopes each on its owning stream with
consecutive versions, a minute apart, as the services write them."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from services.core.envelope import Actor, Envelope
from services.core.schema_registry import SchemaRegistry
from services.eventlog.memory import MemoryEventLog
from services.eventlog.port import Recorded

REGISTRY = SchemaRegistry()


def consultation_created(stream: str, version: int = 1) -> Envelope:
    """A real, schema-valid `consultation.ConsultationCreated` on `stream`, for a
    log's own tests (the Kafka topic `consultation.events`)."""
    return Envelope(
        type="consultation.ConsultationCreated", schema_version=1, stream=stream,
        stream_version=version,
        data={"consultation_id": stream, "title": f"Consultation {version}",
              "slug": f"consultation-{version}", "summary": "Résumé"},
        actor=Actor("p-organiser", "organiser"), occurred_at=datetime.now(UTC),
        correlation_id=f"corr-{uuid.uuid4().hex}", consultation_id=stream,
    )


class ValidatingLog(MemoryEventLog):
    async def append(self, events: Sequence[Envelope], *,
                     expect: Mapping[str, int] | None = None) -> list[Recorded]:
        for e in events:
            REGISTRY.validate(e)
        return await super().append(events, expect=expect)


class Streams:
    """`events` in the order added, from `t0` on, about `consultation_id` (if any)."""

    def __init__(self, t0: datetime, consultation_id: str | None = None) -> None:
        self.events: list[Envelope] = []
        self._versions: dict[str, int] = defaultdict(int)
        self._t0 = t0
        self._consultation_id = consultation_id

    def add(self, type_: str, stream: str, **data: Any) -> Envelope:
        self._versions[stream] += 1
        e = Envelope(type=type_, schema_version=1, stream=stream,
                     stream_version=self._versions[stream], data=data,
                     actor=Actor(id="x", role="participant"),
                     occurred_at=self._t0 + timedelta(minutes=len(self.events)),
                     correlation_id="c", consultation_id=self._consultation_id)
        self.events.append(e)
        return e
