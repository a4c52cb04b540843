"""What the Kafka log's reads fetch from the broker (ADR 0058): about what they
keep, in a few requests.

A broker answers each partition of a fetch with up to the bytes the request
allows, whatever the reader will keep (Kafka 1 MiB a partition by default, Tansu
5 MiB). A decision reading one event of its stream fetched every record after it,
and a page of a topic fetched `limit` records from every partition to keep one
partition's. And Tansu answers with what it gathered within the fetch's wait: held
1 ms, a partition of single-event batches came a record or a few a request, and a
long soak's broker ended answering no read in time. Against the session's Tansu
broker, counting the Fetch requests our clients send and the record bytes they get."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.client import AIOKafkaClient
from harness.events import consultation_created

from services.core.schema_registry import SchemaRegistry
from services.eventlog.kafka import KafkaEventLog
from services.eventlog.port import Position

pytestmark = pytest.mark.kafka

REGISTRY = SchemaRegistry()
TOPIC = "consultation.events"  # three partitions
CLIENT = f"budget{uuid.uuid4().hex[:8]}"  # its readers: CLIENT-reader, CLIENT-watch
BASELINE = f"plain{uuid.uuid4().hex[:8]}"


@pytest.fixture
async def log(kafka_bootstrap: str) -> AsyncIterator[KafkaEventLog]:
    opened = KafkaEventLog(kafka_bootstrap, REGISTRY.topics, REGISTRY.key, client_id=CLIENT)
    await opened.start()
    try:
        yield opened
    finally:
        await opened.close()


class Wire:
    """Fetch requests sent, and record bytes their responses brought, by client (a
    log's readers, CLIENT-reader and CLIENT-watch, count as CLIENT)."""

    def __init__(self) -> None:
        self.bytes: Counter[str] = Counter()
        self.fetches: Counter[str] = Counter()

    def clear(self) -> None:
        self.bytes.clear()
        self.fetches.clear()


@pytest.fixture
def wire(monkeypatch: pytest.MonkeyPatch) -> Wire:
    """Counted from now on: every Kafka client of the process sends through
    `AIOKafkaClient.send`."""
    seen = Wire()
    send = AIOKafkaClient.send

    async def counting(self: AIOKafkaClient, node_id: Any, request: Any,
                       *args: Any, **kwargs: Any) -> Any:
        response = await send(self, node_id, request, *args, **kwargs)
        if type(request).__name__.startswith("FetchRequest") and response is not None:
            client = self._client_id.split("-")[0]
            seen.fetches[client] += 1
            for _topic, partitions in response.topics:
                for _partition, _error, _high, *rest in partitions:
                    seen.bytes[client] += len(rest[-1] or b"")
        return response

    monkeypatch.setattr(AIOKafkaClient, "send", counting)
    return seen


async def append_one_by_one(log: KafkaEventLog, n: int) -> None:
    """As decisions write: one event a request, one batch each (a broker answers
    whole batches)."""
    for _ in range(n):
        await log.append([consultation_created(f"consultation-{uuid.uuid4().hex}")])


async def each_record_once(bootstrap: str, start: Position, end: Position) -> None:
    """The least a reader can fetch: a plain consumer reading each partition's
    range once (its records, counted by the spy under BASELINE)."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, client_id=BASELINE,
                                enable_auto_commit=False)
    await consumer.start()
    try:
        for partition, first in start.items():
            tp = TopicPartition(TOPIC, partition)
            consumer.assign([tp])
            consumer.seek(tp, first)
            while await consumer.position(tp) < end[partition]:
                await consumer.getmany(tp, timeout_ms=200)
    finally:
        await consumer.stop()


async def test_reading_a_topic_page_by_page_fetches_about_its_size(
        log: KafkaEventLog, kafka_bootstrap: str, wire: Wire) -> None:
    start = await log.ends(TOPIC)
    await append_one_by_one(log, 300)
    end = await log.ends(TOPIC)
    assert sum(end.values()) - sum(start.values()) == 300

    wire.clear()
    read = [r async for r in read_all_from(log, start, page=20)]
    assert len(read) == 300
    await each_record_once(kafka_bootstrap, start, end)

    # 7.7x before (a page fetched `limit` records of every partition, 5 MiB each on
    # Tansu); 3.2x after: Tansu answers each partition up to the request's budget
    # (a partition's share times the partitions), where Kafka keeps to the share
    assert wire.bytes[CLIENT] <= 4 * wire.bytes[BASELINE], wire.bytes


async def test_a_decision_reading_its_stream_fetches_its_events_not_what_follows(
        log: KafkaEventLog, wire: Wire) -> None:
    stream = f"consultation-{uuid.uuid4().hex}"
    await log.append([consultation_created(stream)])
    await append_one_by_one(log, 300)  # about a hundred after it in its partition
    assert await log.stream_version(stream) == 1  # the writer index caught up

    wire.clear()
    assert [e.stream for e in await log.read_stream(stream)] == [stream]
    assert 0 < wire.bytes[CLIENT] <= 8 * 1024, wire.bytes  # one record: ~500 bytes


async def test_a_partition_of_single_event_batches_is_read_in_a_few_fetches(
        log: KafkaEventLog, kafka_bootstrap: str, wire: Wire) -> None:
    """Tansu answers a fetch with what it gathered within the fetch's wait: held
    1 ms, a record or a few of a large partition. Reading 3,000 single-event batches
    (as decisions write them) did not end within the reader's 5 s bound; a long
    soak's checks and workers failed on it. Kafka answers as soon as it has a
    record, whatever the wait."""
    topic = f"fetch-budget-{uuid.uuid4().hex[:8]}"
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka_bootstrap)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(topic, 1, 1)])
        producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap, linger_ms=0,
                                    max_batch_size=16)  # one record a batch
        await producer.start()
        try:
            sent = [await producer.send(topic, consultation_created(
                f"consultation-{uuid.uuid4().hex}").to_json(), partition=0)
                for _ in range(3000)]
            await asyncio.gather(*sent)
        finally:
            await producer.stop()

        wire.clear()
        assert len(await log.read(topic, limit=3000)) == 3000
        assert wire.fetches[CLIENT] <= 12, wire.fetches
    finally:
        await admin.delete_topics([topic])
        await admin.close()


class Polls:
    """`getmany` calls of the log's reader that brought nothing: a poll of 2 ms
    while it waits for the broker."""

    def __init__(self) -> None:
        self.empty = 0


@pytest.fixture
def polls(monkeypatch: pytest.MonkeyPatch) -> Polls:
    seen = Polls()
    getmany = AIOKafkaConsumer.getmany

    async def counting(self: AIOKafkaConsumer, *partitions: Any, **kwargs: Any) -> Any:
        got = await getmany(self, *partitions, **kwargs)
        if self._client._client_id == f"{CLIENT}-reader" and not any(got.values()):
            seen.empty += 1
        return got

    monkeypatch.setattr(AIOKafkaConsumer, "getmany", counting)
    return seen


async def test_a_partition_read_past_its_share_holds_no_other_back(
        log: KafkaEventLog, polls: Polls) -> None:
    """A fetch brings a partition's records up to its byte budget, often more than
    the page's share of it: aiokafka sends that broker no other fetch while the
    surplus waits to be taken (its `prefetch_backoff`, 100 ms). The reader took
    only its share, so each page of a three-partition topic waited that long for
    its other partitions (5,000 events/s read whole on Tansu, 60,000 once the
    surplus is dropped): 2,606 empty polls over these 30 pages before, 16 after."""
    start = await log.ends(TOPIC)
    for _ in range(10):  # several records a batch, as a bulk write sends them
        await log.append([consultation_created(f"consultation-{uuid.uuid4().hex}")
                          for _ in range(300)])
    read = [r async for r in read_all_from(log, start, page=100)]
    assert len(read) == 3000
    assert polls.empty <= 10 * 30, polls.empty  # 30 pages


async def read_all_from(log: KafkaEventLog, start: Position, *, page: int
                        ) -> AsyncIterator[Any]:
    """`read_all` from a position: the records this test appended, not the session's."""
    position = dict(start)
    while records := await log.read(TOPIC, start=position, limit=page):
        for record in records:
            position[record.partition] = max(position[record.partition], record.offset + 1)
            yield record
