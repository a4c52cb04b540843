"""Memory fakes for the consultation domain: a log that validates every event
against its schema (as production does at the boundary), a read store, a clock."""

from __future__ import annotations

from datetime import UTC, datetime

from harness.events import ValidatingLog

from services.consultation.projections import CatalogueProjection
from services.consultation.projections_content import ContentProjection
from services.consultation.projections_meetings import (
    CommissionProjection,
    MeetingProjection,
)
from services.consultation.streams import TOPIC
from services.core.clock import FixedClock
from services.core.envelope import Actor, Envelope
from services.core.events import Meta
from services.store.memory import MemoryReadStore
from services.store.projection import Projection, project_batch

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


class World:
    def __init__(self) -> None:
        self.log = ValidatingLog()
        self.store = MemoryReadStore()
        self.clock = FixedClock(NOW)
        self.meta = Meta(Actor("organiser-1", "organiser"))
        self.projections: list[Projection] = [
            CatalogueProjection(), ContentProjection(), MeetingProjection(),
            CommissionProjection(),
        ]
        self._seen = 0

    @property
    def ports(self) -> dict[str, object]:
        return {"log": self.log, "clock": self.clock, "meta": self.meta}

    async def events(self) -> list[Envelope]:
        return [r.event for r in await self.log.read(TOPIC, limit=100_000)]

    async def project(self) -> None:
        """Run every projection over what was appended since the last call."""
        records = await self.log.read(TOPIC, start={0: self._seen}, limit=100_000)
        self._seen += len(records)
        for p in self.projections:
            await project_batch(p, [r.event for r in records], self.store)


class Outbox:
    """`core.notify.ParticipantMail` in memory: who was written to, and what."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str, str]] = []

    async def send(self, participant_id: str, subject: str, body: str) -> bool:
        self.sent.append((participant_id, subject, body))
        return True
