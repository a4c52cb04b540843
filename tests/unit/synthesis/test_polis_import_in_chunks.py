"""A Pol.is import is appended a chunk at a time (ADR 0124): no append holds more
than a chunk; the events are those a single append of the whole conversation
held; an import interrupted between two chunks is finished by the same import
sent again, every event once; a complete one sent again writes nothing; and a
reader counts what has arrived against what the import announced."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zlib import crc32

import pytest
from harness.planted_polis import planted_conversation

from services.consultation.queries import consultation_where
from services.core.clock import FixedClock
from services.core.envelope import Actor, Envelope
from services.core.errors import ConcurrencyConflict, DomainError, EventLogUnavailable
from services.core.events import Meta
from services.eventlog.memory import MemoryEventLog
from services.eventlog.port import Recorded
from services.store.memory import MemoryReadStore
from services.store.projection import project_batch
from services.synthesis.conversations.handlers import (
    PublishOpinionGroups,
    publish_opinion_groups,
)
from services.synthesis.conversations.opinions_model import (
    OpinionsProjection,
    book_of,
    import_arriving,
)
from services.synthesis.opinions import TOPIC, OpinionBook
from services.synthesis.polis import importer
from services.synthesis.polis.importer import (
    append_conversation,
    conversation_events,
    import_polis,
)
from services.synthesis.polis.model import Comment, Conversation, Vote
from services.synthesis.polis.reader import read_conversation

META = Meta(actor=Actor(id="analyst-1", role="analyst"))
IMPORT = "0192f0c4-6a4e-7b3c-9d2e-1f2a3b4c5d6e"


class CountingLog(MemoryEventLog):
    """The memory log, counting appends and their sizes; down from the append
    numbered `fail_at` (1-based) on, as a log whose broker went away. `partial`:
    the first failing append writes its first event and its events of one
    partition in two (by stream, as Kafka's partitioner keys them) before failing,
    as an append on Kafka may (it is not atomic across partitions)."""

    def __init__(self, fail_at: int | None = None, *, partial: bool = False,
                 failures: int | None = None) -> None:
        super().__init__()
        self.sizes: list[int] = []
        self.fail_at, self.partial = fail_at, partial
        self.failures = failures  # appends that fail from `fail_at` on (None: all)

    async def append(self, events: Sequence[Envelope], *,
                     expect: Mapping[str, int] | None = None) -> list[Recorded]:
        if (self.fail_at is not None and len(self.sizes) + 1 >= self.fail_at
                and self.failures != 0):
            if self.failures is not None:
                self.failures -= 1
            if self.partial:
                self.partial = False
                # the partition of the append's first event landed, and about half
                # of the others
                await super().append([e for n, e in enumerate(events)
                                      if n == 0 or crc32(e.stream.encode()) % 2])
            raise EventLogUnavailable("the broker went away")
        self.sizes.append(len(events))
        return await super().append(events, expect=expect)


@pytest.fixture(autouse=True)
def chunks_of_a_test(monkeypatch: pytest.MonkeyPatch) -> None:
    # what a resumption sends again before what it finds: a chunk of these tests
    monkeypatch.setattr(importer, "CHUNK", 100)
    monkeypatch.setattr(importer, "SMALLEST_CHUNK", 10)
    # an interruption stops the import at once (its retries: their own tests)
    monkeypatch.setattr(importer, "RETRY_WAITS", ())


def _slots(events: Sequence[Envelope]) -> list[tuple[str, str, int, dict[str, Any]]]:
    return [(e.type, e.stream, e.stream_version, e.data) for e in events]


async def _logged(log: MemoryEventLog) -> list[Envelope]:
    return [r.event for r in await log.read(TOPIC, limit=1_000_000)]


async def _interrupted(conversation: Conversation, fail_at: int) -> CountingLog:
    """A log that went away at the import's append numbered `fail_at` (chunks of
    100), back since."""
    log = CountingLog(fail_at=fail_at)
    with pytest.raises(EventLogUnavailable):
        await append_conversation(conversation, consultation_id="c-1", log=log, meta=META,
                                  import_id=IMPORT, chunk=100)
    log.fail_at = None
    return log


@pytest.fixture
def conversation(tmp_path: Path) -> Conversation:
    planted_conversation(tmp_path, participants=300, statements=12, groups=2, meta=1)
    return read_conversation(tmp_path)


async def test_no_append_holds_more_than_a_chunk_and_the_events_are_the_whole_conversations(
        conversation: Conversation) -> None:
    log = CountingLog()
    report = await append_conversation(conversation, consultation_id="c-1", log=log,
                                       meta=META, import_id=IMPORT, chunk=100)
    total = 1 + report.statements + report.votes
    assert total > 1000 and max(log.sizes) == 100 and sum(log.sizes) == total
    whole = conversation_events(conversation, consultation_id="c-1", meta=META)
    written = await _logged(log)
    assert _slots(written) == _slots(whole)
    assert written[0].event_id == IMPORT
    assert len({e.event_id for e in written}) == total
    assert written[0].data["statements"] == report.statements
    assert written[0].data["votes"] == report.votes


async def test_an_interrupted_import_is_finished_by_the_same_import_every_event_once(
        conversation: Conversation) -> None:
    log = await _interrupted(conversation, fail_at=4)
    assert len(await _logged(log)) == 300  # three chunks landed
    book = await OpinionBook.from_log(log, "c-1")
    statements = len(conversation.comments)
    assert book.import_arriving() == (0, len(conversation.votes) - (299 - statements))

    appended_before = len(log.sizes)
    again = await append_conversation(conversation, consultation_id="c-1", log=log,
                                      meta=META, import_id=IMPORT, chunk=100)
    assert again.resumed and not again.already_imported
    # only what was missing is sent again, and the chunk before it
    assert sum(log.sizes[appended_before:]) == 1 + again.statements + again.votes - 200
    written = await _logged(log)
    whole = conversation_events(conversation, consultation_id="c-1", meta=META)
    assert _slots(written) == _slots(whole)  # each once, in the import's order
    assert (await OpinionBook.from_log(log, "c-1")).import_arriving() is None


async def test_a_complete_import_sent_again_writes_nothing(
        conversation: Conversation) -> None:
    log = CountingLog()
    first = await append_conversation(conversation, consultation_id="c-1", log=log,
                                      meta=META, import_id=IMPORT, chunk=100)
    appends, written = len(log.sizes), await _logged(log)
    again = await append_conversation(conversation, consultation_id="c-1", log=log,
                                      meta=META, import_id=IMPORT, chunk=100)
    assert again.already_imported and not again.resumed
    assert (again.statements, again.votes) == (first.statements, first.votes)
    assert await _logged(log) == written
    assert log.sizes[appends:] == [100]  # the last chunk, answered as duplicates


async def test_another_conversation_is_refused_before_anything_is_written(
        conversation: Conversation, tmp_path: Path) -> None:
    log = await _interrupted(conversation, fail_at=3)  # the consultation holds a part of it
    before = len(await _logged(log))
    other = tmp_path / "other"
    planted_conversation(other, participants=20, statements=3, seed=5)
    with pytest.raises(ConcurrencyConflict):
        await import_polis(other, consultation_id="c-1", log=log, meta=META)
    assert len(await _logged(log)) == before


async def test_re_votes_take_the_next_version_of_their_pair_in_file_order() -> None:
    comments = [Comment(n, 0, 1000 + n, 0, 0, 1, f"Proposition {n}") for n in (0, 1)]
    rows = [(0, 7, 1), (1, 7, -1), (0, 8, 1), (0, 7, -1), (1, 7, 0), (0, 7, 0)]
    votes = [Vote(cid, voter, 2000 + i, vote) for i, (cid, voter, vote) in enumerate(rows)]
    events = conversation_events(Conversation(comments, votes, {}), consultation_id="c-1",
                                 meta=META)
    opinions = [e for e in events if e.type == "synthesis.OpinionRecorded"]
    assert [e.stream_version for e in opinions] == [1, 1, 1, 2, 2, 3]
    assert len({e.stream for e in opinions}) == 3


async def test_an_import_made_before_the_counts_is_never_said_to_be_arriving(
        conversation: Conversation) -> None:
    log = MemoryEventLog()
    events = conversation_events(conversation, consultation_id="c-1", meta=META)
    facts = {k: v for k, v in events[0].data.items() if k not in ("statements", "votes")}
    old = Envelope(**{**{f: getattr(events[0], f) for f in (
        "type", "schema_version", "stream", "stream_version", "actor", "occurred_at",
        "correlation_id", "causation_id", "consultation_id", "event_id")}, "data": facts})
    await log.append([old, *events[1:50]])  # a part only, and no counts to compare
    assert (await OpinionBook.from_log(log, "c-1")).import_arriving() is None


async def test_groups_are_not_published_while_the_import_is_arriving(
        conversation: Conversation) -> None:
    log = await _interrupted(conversation, fail_at=5)
    store = MemoryReadStore()
    async with store.transaction() as tx:
        await tx.put(*consultation_where("c-1"), {"id": "c-1", "slug": "c-1"})

    class NoModel:  # no worker feeds the opinions' model: the log is read whole
        async def holds(self, *args: Any, **kwargs: Any) -> bool:
            return False

    with pytest.raises(DomainError) as refused:
        await publish_opinion_groups(
            PublishOpinionGroups("c-1"), log=log, store=store, progress=NoModel(),
            clock=FixedClock(datetime(2026, 12, 7, tzinfo=UTC)), meta=META)
    assert refused.value.code == "import_arriving"
    assert "la même commande parlons polis import" in refused.value.message
    assert await log.read_stream("opiniongroups-c-1") == []


@pytest.mark.parametrize(("first", "then", "fail_at"), [(100, 1000, 3), (1000, 100, 2),
                                                       (7, 13, 40), (100, 100, 2)])
async def test_a_resumption_with_other_chunks_finds_what_was_written(
        conversation: Conversation, first: int, then: int, fail_at: int) -> None:
    """What an interrupted import wrote is a prefix of its events, whatever the
    chunks: a resumption in chunks of another size appends exactly the rest."""
    log = CountingLog(fail_at=fail_at)
    with pytest.raises(EventLogUnavailable):
        await append_conversation(conversation, consultation_id="c-1", log=log, meta=META,
                                  import_id=IMPORT, chunk=first)
    log.fail_at = None
    landed, appended_before = len(await _logged(log)), len(log.sizes)
    assert landed == first * (fail_at - 1)
    again = await append_conversation(conversation, consultation_id="c-1", log=log,
                                      meta=META, import_id=IMPORT, chunk=then)
    total = 1 + again.statements + again.votes
    sent_again = max(0, landed - max(then, 100))
    assert again.resumed and sum(log.sizes[appended_before:]) == total - sent_again
    assert max(log.sizes[appended_before:]) <= then
    whole = conversation_events(conversation, consultation_id="c-1", meta=META)
    assert _slots(await _logged(log)) == _slots(whole)


async def test_a_chunk_written_in_part_is_finished_too(conversation: Conversation) -> None:
    """An append failing on Kafka may have written its events of some partitions:
    the resumption finds them beside holes, and still writes every missing one."""
    for fail_at in (2, 5, 11):
        log = CountingLog(fail_at=fail_at, partial=True)
        with pytest.raises(EventLogUnavailable):
            await append_conversation(conversation, consultation_id="c-1", log=log,
                                      meta=META, import_id=IMPORT, chunk=100)
        log.fail_at = None
        landed = len(await _logged(log))
        assert 100 * (fail_at - 1) < landed < 100 * fail_at  # a part of the chunk
        again = await append_conversation(conversation, consultation_id="c-1", log=log,
                                          meta=META, import_id=IMPORT, chunk=100)
        assert again.resumed
        written = await _logged(log)
        whole = conversation_events(conversation, consultation_id="c-1", meta=META)
        assert sorted(map(str, _slots(written))) == sorted(map(str, _slots(whole)))
        assert (await OpinionBook.from_log(log, "c-1")).import_arriving() is None


async def test_the_model_tells_what_is_missing_as_the_log_does(
        conversation: Conversation) -> None:
    """The opinions' model counts the import's events it applied (the groups page
    reads it at each view): what it says is missing is what the log says, then
    nothing once the import is finished."""
    log = await _interrupted(conversation, fail_at=6)
    store, projection = MemoryReadStore(), OpinionsProjection()
    await project_batch(projection, await _logged(log), store)
    from_log = (await OpinionBook.from_log(log, "c-1")).import_arriving()
    arriving = await import_arriving(store, "c-1")
    assert from_log is not None and arriving is not None and arriving.missing == from_log
    assert (await book_of(store, "c-1")).import_arriving() == from_log
    before = len(await _logged(log))
    await append_conversation(conversation, consultation_id="c-1", log=log, meta=META,
                              import_id=IMPORT, chunk=100)
    await project_batch(projection, (await _logged(log))[before:], store)
    assert await import_arriving(store, "c-1") is None


@pytest.mark.parametrize(("fail_at", "partial"), [(1, False), (1, True), (4, False), (4, True)])
async def test_a_failed_append_is_sent_again_halved_and_the_import_completes(
        conversation: Conversation, fail_at: int, partial: bool) -> None:
    # the log's timeout under the import's own load (ADR 0129): two appends fail,
    # the first maybe after writing a part of its chunk (Kafka); the first chunk's
    # included, whose expectation of an empty stream its own partial write broke
    log = CountingLog(fail_at=fail_at, partial=partial, failures=2)
    report = await append_conversation(conversation, consultation_id="c-1", log=log,
                                       meta=META, import_id=IMPORT, chunk=100,
                                       retry_waits=(0.0, 0.0))
    total = 1 + report.statements + report.votes
    assert not report.resumed and not report.already_imported
    written = await _logged(log)
    assert len(written) == total and len({e.event_id for e in written}) == total
    whole = conversation_events(conversation, consultation_id="c-1", meta=META)
    # a part written by the failing append came before the rest of its chunk
    assert sorted(_slots(written), key=str) == sorted(_slots(whole), key=str)
    assert log.sizes[fail_at - 1] == 25  # halved twice, then kept
    assert max(log.sizes[fail_at - 1:]) == 25


async def test_an_append_failing_past_the_retries_stops_the_import(
        conversation: Conversation) -> None:
    log = CountingLog(fail_at=2, failures=3)
    with pytest.raises(EventLogUnavailable):
        await append_conversation(conversation, consultation_id="c-1", log=log, meta=META,
                                  import_id=IMPORT, chunk=100, retry_waits=(0.0, 0.0))
    assert log.sizes == [100]
    report = await append_conversation(conversation, consultation_id="c-1", log=log,
                                       meta=META, import_id=IMPORT, chunk=100)
    assert report.resumed


async def test_a_retried_first_chunk_still_refuses_another_conversation(
        conversation: Conversation, tmp_path: Path) -> None:
    log = CountingLog(fail_at=1, failures=1)
    other = "0192f0c4-6a4e-7b3c-9d2e-000000000001"

    async def wait_then_other_writes(seconds: float) -> None:
        # another import took the stream while this one waited to try again
        log.fail_at = None
        await append_conversation(conversation, consultation_id="c-1", log=log, meta=META,
                                  import_id=other, chunk=100)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(importer.asyncio, "sleep", wait_then_other_writes)
        with pytest.raises(ConcurrencyConflict):
            await append_conversation(conversation, consultation_id="c-1", log=log,
                                      meta=META, import_id=IMPORT, chunk=100,
                                      retry_waits=(0.0,))
    assert {e.event_id for e in await _logged(log)} >= {other}
    assert IMPORT not in {e.event_id for e in await _logged(log)}


async def test_an_import_logs_each_tenth_appended(
        conversation: Conversation, caplog: pytest.LogCaptureFixture) -> None:
    """What an operator sees of an import lasting minutes: one line at each tenth
    of its events appended, the last at 100 %; a resumption only from where it
    started again."""
    caplog.set_level(logging.INFO, logger=importer.logger.name)
    log = CountingLog()
    report = await append_conversation(conversation, consultation_id="c-1", log=log,
                                       meta=META, import_id=IMPORT, chunk=100)
    total = 1 + report.statements + report.votes
    lines = [r.getMessage() for r in caplog.records if "% appended" in r.getMessage()]
    assert [line.split(" %")[0] for line in lines] == [
        f"Pol.is import: {n}" for n in range(10, 101, 10)]
    assert lines[-1].endswith(f"({total} of {total} events)")

    log = await _interrupted(conversation, fail_at=8)  # 700 of the events written
    caplog.clear()
    await append_conversation(conversation, consultation_id="c-1", log=log, meta=META,
                              import_id=IMPORT, chunk=100)
    lines = [r.getMessage() for r in caplog.records if "% appended" in r.getMessage()]
    assert lines[0].startswith("Pol.is import: 40 %") and len(lines) == 7  # 40 ... 100
