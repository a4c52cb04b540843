"""What a Kafka event log asks its broker, counted (ADR 0036): once a decision has
read a stream and checked the log's ends, the log's partition readers stop
fetching (they had kept fetching every partition they last read, about a hundred
requests a second for as long as the process lived); a subscription's lag, read
once a second by an idle worker, asks for the group's committed offsets in one
request (it had asked one per partition); a front's reading of the workers' groups'
progress joins none of them. Against the session's Tansu broker."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiokafka.client import AIOKafkaClient
from harness.events import consultation_created
from harness.kafka import KAFKA_GROUP_TIMEOUTS

from services.core.schema_registry import SchemaRegistry
from services.eventlog.kafka import KafkaEventLog

pytestmark = pytest.mark.kafka

REGISTRY = SchemaRegistry()
AT_REST_S = 0.5


CLIENT = f"at-rest-{uuid.uuid4().hex[:8]}"


@pytest.fixture
async def log(kafka_bootstrap: str) -> AsyncIterator[KafkaEventLog]:
    opened = KafkaEventLog(kafka_bootstrap, REGISTRY.topics, REGISTRY.key,
                           client_id=CLIENT, **KAFKA_GROUP_TIMEOUTS)
    await opened.start()
    try:
        yield opened
    finally:
        await opened.close()


@pytest.fixture
def requests(monkeypatch: pytest.MonkeyPatch) -> Counter[tuple[str, str]]:
    """Requests sent from now on, by client id and kind ("Fetch", "OffsetFetch", ...):
    every Kafka client of the process sends its requests through
    `AIOKafkaClient.send`."""
    sent: Counter[tuple[str, str]] = Counter()
    send = AIOKafkaClient.send

    async def counting(self: AIOKafkaClient, node_id: Any, request: Any,
                       *args: Any, **kwargs: Any) -> Any:
        kind = type(request).__name__.split("Request")[0]
        sent[(self._client_id, kind)] += 1
        return await send(self, node_id, request, *args, **kwargs)

    monkeypatch.setattr(AIOKafkaClient, "send", counting)
    return sent


def ours(sent: Counter[tuple[str, str]], kind: str) -> dict[str, int]:
    return {client: n for (client, k), n in sent.items() if k == kind and client.startswith(CLIENT)}


async def test_after_a_decisions_reads_the_log_sends_no_fetch(
        log: KafkaEventLog, requests: Counter[tuple[str, str]]) -> None:
    stream = f"consultation-{uuid.uuid4().hex}"
    await log.append([consultation_created(stream)])
    # what a decision reads: the stream's version and history as the log holds them
    assert await log.stream_version(stream) == 1
    assert [e.stream for e in await log.read_stream(stream)] == [stream]
    await log.ends("consultation.events")  # the watermarks' own reader, too
    assert ours(requests, "Fetch"), "the reads went through the spy"

    requests.clear()
    await asyncio.sleep(AT_REST_S)
    assert not ours(requests, "Fetch"), requests


async def test_a_subscriptions_lag_asks_its_committed_offsets_at_once(
        log: KafkaEventLog, requests: Counter[tuple[str, str]]) -> None:
    topics = ["deposit.events", "moderation.events"]  # 12 and 6 partitions
    sub = await log.subscribe(f"{CLIENT}-lag", topics)
    try:
        await log.append([consultation_created(f"consultation-{uuid.uuid4().hex}")])
        await sub.lag()  # started: metadata, the group's coordinator
        # nothing committed yet: the lag is everything the topics hold
        held = sum([sum((await log.ends(topic)).values()) for topic in topics])
        requests.clear()
        assert await sub.lag() == held
        assert sum(ours(requests, "OffsetFetch").values()) == 1, requests
    finally:
        await sub.close()


async def test_groups_progress_is_read_from_outside_the_groups(
        log: KafkaEventLog, requests: Counter[tuple[str, str]]) -> None:
    group, topic = f"{CLIENT}-outside", "consultation.events"
    await log.append([consultation_created(f"consultation-{uuid.uuid4().hex}") for _ in range(3)])
    upto = {topic: await log.ends(topic)}
    held = sum(upto[topic].values())
    assert await log.groups_behind({group: [topic]}, upto) == held  # nothing committed yet

    sub = await log.subscribe(group, [topic])
    try:
        consumed = 0
        while consumed < held:
            batch = await sub.poll(timeout=0.2)
            consumed += len(batch.records)
            await sub.commit(batch)
        epoch = sub.epoch
        requests.clear()
        assert await log.groups_behind({group: [topic]}, upto) == 0
        assert not ours(requests, "JoinGroup") and sub.epoch == epoch, requests
    finally:
        await sub.close()
