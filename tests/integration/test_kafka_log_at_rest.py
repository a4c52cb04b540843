"""A Kafka event log at rest asks its broker nothing: once a decision has read a
stream and checked the log's ends, the log's partition readers stop fetching.
They had kept fetching every partition they last read, each answer held by the
broker for the fetch's short wait, about a hundred requests a second for as long
as the process lived (ADR 0036). Against the session's Tansu broker."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest
from aiokafka.client import AIOKafkaClient
from harness.kafka import KAFKA_GROUP_TIMEOUTS

from services.core.envelope import Actor, Envelope
from services.core.schema_registry import SchemaRegistry
from services.eventlog.kafka import KafkaEventLog

pytestmark = pytest.mark.kafka

REGISTRY = SchemaRegistry()
AT_REST_S = 0.5


def created(stream: str) -> Envelope:
    return Envelope(
        type="consultation.ConsultationCreated", schema_version=1, stream=stream,
        stream_version=1,
        data={"consultation_id": stream, "title": "Consultation au repos",
              "slug": "consultation-au-repos", "summary": "Résumé"},
        actor=Actor("p-organiser", "organiser"), occurred_at=datetime.now(UTC),
        correlation_id=f"corr-{uuid.uuid4().hex}", consultation_id=stream,
    )


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
def fetches(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """Fetch requests sent from now on, by client id (every Kafka client of the
    process sends its requests through `AIOKafkaClient.send`)."""
    sent: Counter[str] = Counter()
    send = AIOKafkaClient.send

    async def counting(self: AIOKafkaClient, node_id: Any, request: Any,
                       *args: Any, **kwargs: Any) -> Any:
        if type(request).__name__.startswith("FetchRequest"):
            sent[self._client_id] += 1
        return await send(self, node_id, request, *args, **kwargs)

    monkeypatch.setattr(AIOKafkaClient, "send", counting)
    return sent


async def test_after_a_decisions_reads_the_log_sends_no_fetch(
        log: KafkaEventLog, fetches: Counter[str]) -> None:
    stream = f"consultation-{uuid.uuid4().hex}"
    await log.append([created(stream)])
    # what a decision reads: the stream's version and history as the log holds them
    assert await log.stream_version(stream) == 1
    assert [e.stream for e in await log.read_stream(stream)] == [stream]
    await log.ends("consultation.events")  # the watermarks' own reader, too
    read = sum(n for client, n in fetches.items() if client.startswith(CLIENT))
    assert read > 0, "the reads went through the spy"

    fetches.clear()
    await asyncio.sleep(AT_REST_S)
    assert not {c: n for c, n in fetches.items() if c.startswith(CLIENT)}, fetches
