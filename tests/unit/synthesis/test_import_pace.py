"""Whether an arriving import is still being written (ADR 0130): the opinions'
model keeps when the latest of its events reached the log, and the groups page
tells « en cours » from « interrompu » by it, once the model holds what the log
holds."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta

import pytest

from services.core.envelope import Actor, Envelope
from services.core.events import Meta, wrap
from services.eventlog.memory import MemoryEventLog
from services.eventlog.port import Position
from services.store.memory import MemoryReadStore
from services.store.projection import project_batch
from services.synthesis.conversations.opinions_model import (
    ArrivingImport,
    OpinionsProjection,
    import_arriving,
)
from services.synthesis.events import ConversationImported, OpinionRecorded, StatementImported
from services.vote.events import BallotCast
from services.web.synthesis import import_pace
from services.web.synthesis.import_pace import ImportPace, pace_of

META = Meta(actor=Actor(id="system", role="system"))
POLIS_TIME = datetime(2019, 1, 1, tzinfo=UTC)  # when the votes were given, long ago
NOW = datetime.now(UTC)


def _recorded(event: object, stream: str, at: datetime) -> Envelope:
    return wrap(event, stream=stream, stream_version=1, meta=META,  # type: ignore[arg-type]
                occurred_at=POLIS_TIME, consultation_id="c-1").recorded(at)


def _import_part(arrived: datetime) -> list[Envelope]:
    """The first events of an import of 2 statements and 3 votes: 3 of 6 arrived."""
    return [
        _recorded(ConversationImported(consultation_id="c-1", source="polis", topic="",
                                       description="", url="", views=0, statements=2,
                                       votes=3),
                  "conversation-c-1", arrived - timedelta(seconds=9)),
        _recorded(StatementImported(statement_id="st-1", consultation_id="c-1", number=1,
                                    author_id="pp-1", body="Un", moderated=0,
                                    created_at_ms=0, is_meta=False), "statement-st-1",
                  arrived - timedelta(seconds=5)),
        _recorded(OpinionRecorded(statement_id="st-1", consultation_id="c-1",
                                  participant_id="pp-2", opinion=1, voted_at_ms=0),
                  "opinion-st-1-pp-2", arrived),
    ]


async def test_the_model_keeps_when_the_imports_latest_event_reached_the_log() -> None:
    store, arrived = MemoryReadStore(), NOW - timedelta(minutes=3)
    await project_batch(OpinionsProjection(), _import_part(arrived), store)
    # a ballot of the same consultation since is no part of the import
    await project_batch(OpinionsProjection(), [_recorded(BallotCast(
        item_id="item-1", consultation_id="c-1", phase_id="v", phase_ends_at="",
        participant_id="p-1", ballot_kind="agree", choice="agree", qualifications=[],
        identity_level="email", previous=None), "ballot-1", NOW)], store)
    arriving = await import_arriving(store, "c-1")
    assert arriving is not None and arriving.share == 40  # 2 of 5 announced
    assert arriving.arrived_at_ms == int(arrived.timestamp() * 1000)  # not the Pol.is time


class Progress:
    """The model's marks, as a fake: whether it holds what the log holds."""

    def __init__(self, holds: bool) -> None:
        self._holds = holds
        self.asked: list[Mapping[str, Position]] = []

    async def holds(self, consumer: str, upto: Mapping[str, Position], *,
                    within: float) -> bool:
        assert consumer == OpinionsProjection.name
        self.asked.append(upto)
        return self._holds


def _arriving(arrived: datetime | None) -> ArrivingImport:
    return ArrivingImport((1, 2), (2, 3), {"votes.csv": "ab"},
                          None if arrived is None else int(arrived.timestamp() * 1000))


@pytest.mark.parametrize("holds", [True, False])
async def test_a_recent_arrival_is_an_import_being_written(holds: bool) -> None:
    """The model lags the log while chunks come in: no matter, they came lately."""
    progress = Progress(holds)
    found = await pace_of(_arriving(datetime.now(UTC) - timedelta(seconds=20)),
                          log=MemoryEventLog(), progress=progress)
    assert found.pace == "writing" and found.quiet_s == pytest.approx(20, abs=2)
    assert progress.asked == []  # nothing to ask


async def test_an_old_arrival_is_an_interruption_once_the_model_holds_the_log() -> None:
    progress = Progress(holds=True)
    found = await pace_of(_arriving(datetime.now(UTC) - timedelta(minutes=5)),
                          log=MemoryEventLog(), progress=progress)
    assert found.pace == "stalled" and found.quiet_s == pytest.approx(300, abs=2)
    assert set(progress.asked[0]) == set(OpinionsProjection.topics)  # the log's ends


async def test_a_lagging_model_or_an_older_book_cannot_tell() -> None:
    old = datetime.now(UTC) - timedelta(hours=1)
    lagging = await pace_of(_arriving(old), log=MemoryEventLog(), progress=Progress(False))
    assert lagging == ImportPace("unknown", None)
    unmarked = await pace_of(_arriving(None), log=MemoryEventLog(), progress=Progress(True))
    assert unmarked == ImportPace("unknown", None)
    assert await pace_of(_arriving(old), log=MemoryEventLog(), progress=None) == unmarked


async def test_the_threshold_is_the_modules(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(import_pace, "STALLED_AFTER_S", 0.0)
    found = await pace_of(_arriving(datetime.now(UTC)), log=MemoryEventLog(),
                          progress=Progress(True))
    assert found.pace == "stalled"


@pytest.mark.parametrize(("seconds", "text"), [(0.4, "0 s"), (89, "89 s"), (90, "1 min"),
                                               (119, "1 min"), (3600, "60 min")])
def test_how_long_ago_in_the_pages_words(seconds: float, text: str) -> None:
    assert ImportPace("stalled", seconds).quiet_text == text
