"""Publishing opinion groups decides on the opinions' read model once the model's
marks show it holds what the log held when the publication began (ADR 0054): it
then reads no topic of the log, and publishes what the log would give. A model
that lags (opinions it has not taken in, a rebuild started) is waited for, up to
a bound, then the log is read whole: the same groups, never older ones."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from harness.web import catch_up

from services.consultation.commands import CreateConsultation
from services.core.clock import FixedClock
from services.core.envelope import Actor
from services.core.events import Meta, wrap
from services.eventlog.memory import MemoryEventLog
from services.eventlog.port import Position, Recorded
from services.runtime.amnesia import forget_marks
from services.runtime.bootstrap import Container, bootstrap
from services.runtime.runner import running
from services.runtime.settings import Settings
from services.store.memory import MemoryReadStore
from services.synthesis.conversations import handlers
from services.synthesis.conversations.handlers import PublishOpinionGroups
from services.synthesis.conversations.shown import leave_out_unshown
from services.synthesis.conversations.snapshot import snapshot
from services.synthesis.events import OpinionRecorded
from services.synthesis.groups.analysis import analyse_opinions
from services.synthesis.opinions import OpinionBook
from services.synthesis.polis.importer import conversation_events
from services.synthesis.polis.reader import read_conversation

POLIS = Path(__file__).resolve().parents[2] / "data" / "polis" / "brexit-consensus"
T0 = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
ORGANISER = Meta(Actor("p-organiser", "organiser"))
CID = "c-1"


class ReadsCounted(MemoryEventLog):
    """The memory log, counting the pages of topics read (`read`; a worker's check of
    its marks reads single records)."""

    def __init__(self) -> None:
        super().__init__()
        self.reads: dict[str, int] = {}

    async def read(self, topic: str, *, start: Position | None = None,
                   limit: int = 1000) -> list[Recorded]:
        if limit > 1:
            self.reads[topic] = self.reads.get(topic, 0) + 1
        return await super().read(topic, start=start, limit=limit)


@pytest.fixture
async def platform() -> AsyncIterator[tuple[Container, ReadsCounted]]:
    log = ReadsCounted()
    settings = Settings(event_log="memory", read_store="memory", worker_poll_timeout=0.01)
    container = bootstrap(settings, log=log, store=MemoryReadStore(), clock=FixedClock(T0),
                          services=["consultation", "synthesis_themes"])
    async with running(container, workers=False):
        await container.handle(CreateConsultation(CID, "Brexit", "brexit"), ORGANISER)
        await container.log.append(conversation_events(
            read_conversation(POLIS), consultation_id=CID, meta=ORGANISER))
        await catch_up(container)
        yield container, log


async def newcomers(container: Container, count: int) -> None:
    """`count` participants agreeing with the first statements, who have not voted yet."""
    book = await OpinionBook.from_log(container.log, CID)
    statements = sorted(book.statements.values(), key=lambda s: s.number)[:8]
    events = [wrap(OpinionRecorded(statement_id=s.statement_id, consultation_id=CID,
                                   participant_id=f"pp-new-{n}", opinion=1,
                                   voted_at_ms=9_000_000_000_000),
                   stream=f"opinion-{s.statement_id}-pp-new-{n}", stream_version=1,
                   meta=ORGANISER, occurred_at=T0, consultation_id=CID)
              for n in range(count) for s in statements]
    await container.log.append(events)


async def from_the_log(container: Container) -> dict[str, Any]:
    """What a publication holds, computed from the log read whole."""
    book = await OpinionBook.from_log(container.log, CID)
    await leave_out_unshown(book, container.store)
    return snapshot(book, analyse_opinions(book))


async def publish(container: Container, log: ReadsCounted) -> tuple[dict[str, Any], int]:
    """The publication's data, and how many reads of a whole topic it made."""
    log.reads.clear()
    data = await container.handle(PublishOpinionGroups(CID), ORGANISER)
    return data, sum(log.reads.values())


async def test_a_model_holding_the_log_is_decided_on_without_reading_the_log(
        platform: tuple[Container, ReadsCounted]) -> None:
    container, log = platform
    data, reads = await publish(container, log)
    assert reads == 0
    assert data == await from_the_log(container)
    assert data["participants"] > 100


async def test_opinions_the_model_lacks_are_read_from_the_log(
        platform: tuple[Container, ReadsCounted], monkeypatch: pytest.MonkeyPatch) -> None:
    container, log = platform
    before, _ = await publish(container, log)
    monkeypatch.setattr(handlers, "MODEL_WAIT_S", 0.05)
    await newcomers(container, 3)  # appended; no worker takes them in
    data, reads = await publish(container, log)
    assert reads > 0
    assert data["participants"] == before["participants"] + 3
    assert data == await from_the_log(container)


async def test_a_model_that_catches_up_during_the_wait_is_decided_on(
        platform: tuple[Container, ReadsCounted]) -> None:
    container, log = platform
    before, _ = await publish(container, log)
    await newcomers(container, 2)
    publication = asyncio.ensure_future(publish(container, log))
    await asyncio.sleep(0.2)
    assert not publication.done()  # waiting for the model
    await catch_up(container)
    data, reads = await publication
    assert reads == 0
    assert data["participants"] == before["participants"] + 2


async def test_a_rebuild_in_progress_sends_the_publication_to_the_log(
        platform: tuple[Container, ReadsCounted], monkeypatch: pytest.MonkeyPatch) -> None:
    """A rebuild forgets the model's marks first, then writes them page by page:
    the tables it is filling are not the truth yet."""
    container, log = platform
    monkeypatch.setattr(handlers, "MODEL_WAIT_S", 0.05)
    await forget_marks(container.store, "synthesis.opinions")
    data, reads = await publish(container, log)
    assert reads > 0
    assert data == await from_the_log(container)
