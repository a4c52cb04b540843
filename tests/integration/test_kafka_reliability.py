"""Kafka event log under failure, against real Tansu brokers: the broker dies
(appends fail closed, in bounded time), a consumer dies before committing (its
records are delivered again), topic provisioning is idempotent, a topic with
another partition count than topics.yaml is refused at start, and no client
creates a missing topic (ADR 0032)."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaError
from harness.events import consultation_created
from harness.kafka import KAFKA_GROUP_TIMEOUTS
from kafka import KafkaAdminClient
from tansu import Tansu

from services.core.errors import EventLogUnavailable
from services.core.schema_registry import SchemaRegistry
from services.eventlog.kafka import KafkaEventLog, TopicMismatch, provision_topics

pytestmark = pytest.mark.kafka

REGISTRY = SchemaRegistry()
TOPIC = "consultation.events"
CRASHING_CONSUMER = Path(__file__).with_name("kafka_crashing_consumer.py")


@pytest.fixture
def private_broker() -> Iterator[Tansu]:
    """A broker of the test's own, since the test kills it."""
    broker = Tansu().start()
    try:
        provision_topics(broker.bootstrap, REGISTRY.topics, cap_replication=True)
        yield broker
    finally:
        broker.stop()


@pytest.fixture
async def shared_log(kafka_bootstrap: str) -> AsyncIterator[KafkaEventLog]:
    log = KafkaEventLog(kafka_bootstrap, REGISTRY.topics, REGISTRY.key, **KAFKA_GROUP_TIMEOUTS)
    await log.start()
    try:
        yield log
    finally:
        await log.close()


async def test_append_fails_closed_when_the_broker_is_down(private_broker: Tansu) -> None:
    log = KafkaEventLog(private_broker.bootstrap, REGISTRY.topics, REGISTRY.key,
                        request_timeout_ms=2000)
    await log.start()
    try:
        stream = f"consultation-{uuid.uuid4().hex}"
        [first] = await log.append([consultation_created(stream, 1)])
        assert not first.duplicate
        await log.ping()

        private_broker.kill()
        # bounded: 2 s request timeout, twice for the whole batch, plus slack
        with pytest.raises(EventLogUnavailable):
            await asyncio.wait_for(log.append([consultation_created(stream, 2)]), 15)
        with pytest.raises(EventLogUnavailable):
            await asyncio.wait_for(log.ping(), 15)
    finally:
        await asyncio.wait_for(log.close(), 15)


async def test_a_consumer_killed_before_committing_gets_its_records_again(
    shared_log: KafkaEventLog, kafka_bootstrap: str
) -> None:
    stream, group = f"consultation-{uuid.uuid4().hex}", f"crash-{uuid.uuid4().hex}"
    recorded = await shared_log.append([consultation_created(stream, v) for v in (1, 2, 3)])
    want = {r.event.event_id for r in recorded}

    proc = subprocess.run(
        [sys.executable, str(CRASHING_CONSUMER), kafka_bootstrap, group, TOPIC, *want],
        capture_output=True, text=True, timeout=60, check=False,
    )
    assert proc.stdout.strip() == "polled", proc.stderr[-2000:]
    assert proc.returncode == -9  # it really died by SIGKILL, without committing

    again = await _deliver(shared_log, group, until=want, commit=True)
    assert want <= again  # nothing lost: the uncommitted records come back
    # committed now: a later event of the same stream (same partition, after
    # them) arrives, and none of the committed ones is delivered a third time
    [marker] = await shared_log.append([consultation_created(stream, 4)])
    later = await _deliver(shared_log, group, until={marker.event.event_id}, commit=False)
    assert not later & want


async def _deliver(log: KafkaEventLog, group: str, *, until: set[str], commit: bool) -> set[str]:
    """Event ids one subscription of `group` delivers until all of `until` came."""
    sub = await log.subscribe(group, [TOPIC])
    seen: set[str] = set()
    try:
        deadline = time.monotonic() + 30.0  # a join waits out the dead member's session
        while not until <= seen:
            assert time.monotonic() < deadline, "events never delivered"
            batch = await sub.poll(max_records=100, timeout=1.0)
            seen |= {r.event.event_id for r in batch.records}
            if commit and batch.records:
                await sub.commit(batch)
    finally:
        await sub.close()
    return seen


def test_provisioning_is_idempotent_and_follows_topics_yaml(kafka_bootstrap: str) -> None:
    # the session made them
    assert provision_topics(kafka_bootstrap, REGISTRY.topics, cap_replication=True) == []
    admin = KafkaAdminClient(bootstrap_servers=kafka_bootstrap)
    try:
        described = {t["name"]: t for t in admin.describe_topics(list(REGISTRY.topics))}
    finally:
        admin.close()
    for name, spec in REGISTRY.topics.items():
        assert len(described[name]["partitions"]) == spec.partitions
        # one broker: the replication factor of topics.yaml is capped to 1
        assert {len(p["replica_nodes"]) for p in described[name]["partitions"]} == {1}


def test_a_topic_with_another_partition_count_is_refused_at_start() -> None:
    specs = dict(REGISTRY.topics)
    specs["vote.events"] = replace(specs["vote.events"], partitions=4)  # as auto-created
    with Tansu() as broker:
        provision_topics(broker.bootstrap, specs, cap_replication=True)

        async def start() -> None:
            log = KafkaEventLog(broker.bootstrap, REGISTRY.topics, REGISTRY.key)
            try:
                await log.start()
            finally:
                await log.close()

        with pytest.raises(TopicMismatch) as refused:
            asyncio.run(start())
    assert "topic vote.events has 4 partitions, schemas/topics.yaml says 12" in str(refused.value)


async def test_no_parlons_client_creates_a_missing_topic(
    shared_log: KafkaEventLog, kafka_bootstrap: str
) -> None:
    missing = f"missing.{uuid.uuid4().hex}"
    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap, request_timeout_ms=1500)
    await producer.start()  # after a KafkaEventLog: the process's clients never ask
    try:
        with pytest.raises(KafkaError):
            await asyncio.wait_for(producer.send_and_wait(missing, b"x"), 10)
    finally:
        await producer.stop()
    admin = KafkaAdminClient(bootstrap_servers=kafka_bootstrap)
    try:
        assert missing not in admin.list_topics()
    finally:
        admin.close()
