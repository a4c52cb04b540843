"""A small deposit world on memory fakes: a published consultation whose open
phase accepts proposals, answers and arguments, a questionnaire with a
conditional follow-up and an "Autre" option, and every projection needed. For
the deposit and moderation unit tests."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from harness.events import ValidatingLog
from services.consultation import handlers as ch
from services.consultation.commands import (
    CreateConsultation,
    PhaseSpec,
    PublishConsultation,
    SchedulePhases,
    ThemeSpec,
)
from services.consultation.content_commands import (
    ConditionSpec,
    OptionSpec,
    QuestionSpec,
    SaveQuestionnaire,
)
from services.consultation.content_handlers import save_questionnaire
from services.consultation.projections import CatalogueProjection
from services.consultation.projections_content import ContentProjection
from services.core.clock import FixedClock
from services.core.envelope import Actor, Envelope
from services.core.events import Meta
from services.core.participants import ParticipantContext
from services.deposit.service import HANDLERS, PROJECTIONS
from services.runtime.worker import Consumer, consume
from services.store.memory import MemoryReadStore

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
CID = "c-grand-debat"
QID = "q-fiscalite"
TOPICS = ("consultation.events", "deposit.events", "moderation.events")

QUESTIONS = (
    QuestionSpec("impots", "single", "Faut-il baisser les impôts ?", required=True,
                 options=(OptionSpec("oui", "Oui"), OptionSpec("non", "Non")), allow_other=True,
                 max_length=200),
    QuestionSpec("lesquels", "open", "Si oui, lesquels ?", required=True, max_length=300,
                 condition=ConditionSpec("impots", ("oui",))),
    QuestionSpec("services", "multiple", "Quels services publics renforcer ?",
                 options=(OptionSpec("sante", "Santé"), OptionSpec("ecole", "École"))),
    QuestionSpec("idees", "open", "Vos idées ?", max_length=500),
)


class World:
    def __init__(self, extra: Sequence[Consumer] = ()) -> None:
        self.log = ValidatingLog()
        self.store = MemoryReadStore()
        self.clock = FixedClock(NOW)
        self.organiser = Meta(Actor("organiser-1", "organiser"))
        self.meta = Meta(Actor("anonymous", "anonymous"))
        self.projections: list[Consumer] = [
            CatalogueProjection(), ContentProjection(), *(p() for p in PROJECTIONS), *extra]
        self._seen: dict[str, int] = {}

    async def setup(self, *, identity_level: str = "anonymous", moderation: str = "post",
                    actions: tuple[str, ...] = ("deposit", "comment", "answer")) -> World:
        ports: dict[str, Any] = {"log": self.log, "clock": self.clock, "meta": self.organiser}
        await ch.create_consultation(CreateConsultation(
            CID, "Le grand débat", "grand-debat", identity_level=identity_level,
            moderation=moderation, themes=(ThemeSpec("fiscalite", "Fiscalité"),)), **ports)
        await ch.schedule_phases(SchedulePhases(CID, (
            PhaseSpec("depot", "deposit", "Dépôt", NOW - timedelta(days=1),
                      NOW + timedelta(days=10), actions=actions),
            PhaseSpec("vote", "vote", "Vote", NOW + timedelta(days=10),
                      NOW + timedelta(days=20)),
        )), **ports)
        await ch.publish_consultation(PublishConsultation(CID), **ports)
        await save_questionnaire(SaveQuestionnaire(QID, CID, "Fiscalité", QUESTIONS), **ports)
        await self.project()
        return self

    async def handle(self, command: object) -> Any:
        handler = HANDLERS[type(command)]
        return await handler(command, log=self.log, store=self.store, clock=self.clock,
                             meta=self.meta)

    async def project(self) -> None:
        """Run every projection over what was appended since the last call (twice
        for the first batch would change nothing: projections are idempotent)."""
        for topic in TOPICS:
            seen = self._seen.get(topic, 0)
            records = await self.log.read(topic, start={0: seen}, limit=1_000_000)
            self._seen[topic] = seen + len(records)
            events = [r.event for r in records]
            for p in self.projections:
                wanted = [e for e in events if e.topic in p.topics]
                if wanted:
                    await consume(p, wanted, self.store)

    async def events(self, topic: str = "deposit.events") -> list[Envelope]:
        return [r.event for r in await self.log.read(topic, limit=1_000_000)]


def participant(pid: str = "p-alice", level: str = "anonymous") -> ParticipantContext:
    return ParticipantContext(pid, level)
