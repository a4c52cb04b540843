"""A vote world on memory fakes: a published consultation whose vote phase is
open now (support, agree/disagree/neutral, ranking), published items by three
authors, and the vote projection run after every command."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from harness.events import REGISTRY, ValidatingLog

from services.consultation import handlers as ch
from services.consultation.commands import (
    CreateConsultation,
    PhaseSpec,
    PublishConsultation,
    SchedulePhases,
    VoteMethodSpec,
)
from services.consultation.projections import CatalogueProjection
from services.core.clock import FixedClock
from services.core.envelope import Actor, Envelope
from services.core.events import Meta
from services.core.participants import ParticipantContext
from services.runtime.worker import Consumer, consume
from services.store.memory import MemoryReadStore
from services.vote.items import HIDDEN, WITHDRAWN, MemoryPublishedItems, PublishedItem
from services.vote.projections import TalliesProjection
from services.vote.service import HANDLERS
from services.vote.settings import VoteOptions

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
VOTE_ENDS = NOW + timedelta(days=10)
VOTE_STARTS = NOW - timedelta(days=1)
DEPOSIT_STARTS = NOW - timedelta(days=10)
CID = "c-budget"
TOPICS = ("consultation.events", "vote.events")


class World:
    def __init__(self, *, check_existing: bool = True) -> None:
        self.log = ValidatingLog(key_for=REGISTRY.key)
        self.store = MemoryReadStore()
        self.clock = FixedClock(NOW)
        self.items = MemoryPublishedItems()
        self.options = VoteOptions(check_existing=check_existing)
        self.meta = Meta(Actor("organiser-1", "organiser"))
        self.projections: list[Consumer] = [CatalogueProjection(), TalliesProjection()]
        self._seen: dict[str, int] = {}

    async def setup(self, *, identity_level: str = "anonymous") -> World:
        ports: dict[str, Any] = {"log": self.log, "clock": self.clock, "meta": self.meta}
        await ch.create_consultation(CreateConsultation(
            CID, "Budget participatif", "budget", identity_level=identity_level), **ports)
        await self.schedule()
        await ch.publish_consultation(PublishConsultation(CID), **ports)
        for n in range(6):
            self.items.add(PublishedItem(f"item-{n}", CID, f"author-{n % 3}",
                                         f"2026-11-2{n}T10:00:00Z"))
        self.items.add(PublishedItem("item-hidden", CID, "author-0", "2026-11-20T10:00:00Z",
                                     HIDDEN))
        self.items.add(PublishedItem("item-gone", CID, "author-0", "2026-11-20T10:00:00Z",
                                     WITHDRAWN))
        await self.project()
        return self

    async def schedule(self, method: VoteMethodSpec | None = None) -> None:
        """The deposit phase, then the vote phase open now with `method`."""
        await ch.schedule_phases(SchedulePhases(CID, (
            PhaseSpec("depot", "deposit", "Dépôt", DEPOSIT_STARTS, VOTE_STARTS),
            PhaseSpec("vote", "vote", "Vote", VOTE_STARTS, VOTE_ENDS,
                      actions=("vote_support", "vote_agree", "vote_ranking"), vote=method),
        )), log=self.log, clock=self.clock, meta=self.meta)
        await self.project()

    async def handle(self, command: object, *, project: bool = True) -> Any:
        handler = HANDLERS[type(command)]
        kwargs: dict[str, Any] = {"log": self.log, "store": self.store, "clock": self.clock,
                                  "meta": self.meta}
        if "items" in handler.__code__.co_varnames:
            kwargs.update(items=self.items, vote_options=self.options)
        result = await handler(command, **kwargs)
        if project:
            await self.project()
        return result

    async def project(self) -> None:
        for topic in TOPICS:
            seen = self._seen.get(topic, 0)
            records = await self.log.read(topic, limit=1_000_000)
            self._seen[topic] = len(records)
            events = [r.event for r in records[seen:]]
            for p in self.projections:
                wanted = [e for e in events if e.topic in p.topics]
                if wanted:
                    await consume(p, wanted, self.store)

    async def events(self) -> list[Envelope]:
        return [r.event for r in await self.log.read("vote.events", limit=1_000_000)]


def voter(pid: str = "p-alice", level: str = "anonymous") -> ParticipantContext:
    return ParticipantContext(pid, level)
