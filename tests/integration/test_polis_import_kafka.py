"""A Pol.is import over Kafka (ADR 0124), on the session's Tansu broker: an import
interrupted after two chunks is finished by the same import from another log
client (another process, its own writer index), every event once in the topic
and in the import's order; sent again from a third, it writes nothing; a chunk
sent again is answered from a few fetches (ADR 0129)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest
from harness.planted_polis import planted_conversation

from services.core.envelope import Actor, Envelope
from services.core.errors import EventLogUnavailable
from services.core.events import Meta
from services.core.ids import new_id
from services.core.schema_registry import SchemaRegistry
from services.eventlog.kafka import KafkaEventLog, _within
from services.eventlog.kafka_reader import PartitionReader
from services.eventlog.port import Recorded, read_all
from services.synthesis.opinions import TOPIC
from services.synthesis.polis import importer
from services.synthesis.polis.importer import append_conversation, conversation_events
from services.synthesis.polis.reader import read_conversation

pytestmark = pytest.mark.kafka
REGISTRY = SchemaRegistry()
META = Meta(actor=Actor(id="analyst-1", role="analyst"))


class GoneAfter(KafkaEventLog):
    """A Kafka log client whose broker goes away after `appends` appends."""

    appends = 2

    async def append(self, events: Sequence[Envelope], *,
                     expect: Mapping[str, int] | None = None) -> list[Recorded]:
        if self.appends == 0:
            raise EventLogUnavailable("the broker went away")
        self.appends -= 1
        return await super().append(events, expect=expect)


async def _client(bootstrap: str, kind: type[KafkaEventLog] = KafkaEventLog) -> KafkaEventLog:
    log = kind(bootstrap, REGISTRY.topics, REGISTRY.key)
    await log.start()
    return log


async def test_an_interrupted_import_is_finished_from_another_process(
        kafka_bootstrap: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(importer, "CHUNK", 100)
    planted_conversation(tmp_path, participants=120, statements=8, groups=2)
    conversation = read_conversation(tmp_path)
    cid, import_id = f"c-{new_id()}", new_id()

    first = await _client(kafka_bootstrap, GoneAfter)
    try:
        with pytest.raises(EventLogUnavailable):
            await append_conversation(conversation, consultation_id=cid, log=first,
                                      meta=META, import_id=import_id, retry_waits=())
    finally:
        await first.close()
    second = await _client(kafka_bootstrap)
    try:
        report = await append_conversation(conversation, consultation_id=cid, log=second,
                                           meta=META, import_id=import_id)
    finally:
        await second.close()
    assert report.resumed

    third = await _client(kafka_bootstrap)
    try:
        again = await append_conversation(conversation, consultation_id=cid, log=third,
                                          meta=META, import_id=import_id)
        assert again.already_imported
        written = [rec.event async for rec in read_all(third, TOPIC)
                   if rec.event.data.get("consultation_id") == cid]
    finally:
        await third.close()
    whole = conversation_events(conversation, consultation_id=cid, meta=META)
    assert len(written) == len(whole) == 1 + report.statements + report.votes
    assert len({e.event_id for e in written}) == len(whole)
    assert sorted((e.type, e.stream, e.stream_version) for e in written) == sorted(
        (e.type, e.stream, e.stream_version) for e in whole)


async def test_a_chunk_sent_again_is_answered_from_a_few_fetches_not_one_an_event(
        kafka_bootstrap: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # a resumed import sends again a chunk it had written: each duplicate's original
    # record was fetched alone (~30-50 ms on Tansu), minutes for 20,000 (ADR 0129)
    planted_conversation(tmp_path, participants=200, statements=12, groups=2)
    conversation = read_conversation(tmp_path)
    cid = f"c-{new_id()}"
    events = conversation_events(conversation, consultation_id=cid, meta=META)
    first = await _client(kafka_bootstrap)
    try:
        written = await first.append(events)
    finally:
        await first.close()
    assert len(events) > 1000 and not any(r.duplicate for r in written)

    fetches = 0
    real_fetch = PartitionReader.fetch

    async def counted(self: PartitionReader, *args: Any, **kwargs: Any) -> Any:
        nonlocal fetches
        fetches += 1
        return await real_fetch(self, *args, **kwargs)

    second = await _client(kafka_bootstrap)  # another process: its own index
    try:
        await second.stream_version(f"conversation-{cid}")  # its index loaded
        monkeypatch.setattr(PartitionReader, "fetch", counted)
        again = await second.append(events)
    finally:
        await second.close()
    assert all(r.duplicate for r in again)
    assert [(r.event.event_id, r.topic, r.partition, r.offset) for r in again] == [
        (r.event.event_id, r.topic, r.partition, r.offset) for r in written]
    assert fetches <= 10, fetches  # a few runs for every partition at once


def test_a_run_longer_than_a_fetch_is_cut() -> None:
    assert _within((10, 12), 5) == [(10, 12)]
    assert _within((0, 11), 5) == [(0, 4), (5, 9), (10, 11)]
