"""Produce-and-consume throughput of the Kafka event log adapter beside raw
aiokafka, on the same Tansu broker in the same run.

Adapter: `append` of one event per call from C concurrent writers (the HTTP
path: every call waits for the broker's acknowledgement), then a fresh consumer
group polls and commits until it has every event. Raw: `producer.send` of the
same JSON payloads gathered, then a consumer group reading them. Consumption is
timed from the first non-empty poll (the group join is excluded, it is a Tansu
constant). Prints both and the ratios; the last line is the end-to-end ratio.

    .venv/bin/python bench/kafka_throughput.py [N] [BOOTSTRAP]
"""

from __future__ import annotations

import asyncio
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from services.core.envelope import Actor, Envelope
from services.core.schema_registry import SchemaRegistry
from services.eventlog.kafka import KafkaEventLog, provision_topics

TOPIC = "consultation.events"
RAW_TOPIC = "bench.raw"
WRITERS = 50
GROUP = {"session_timeout_ms": 3000, "heartbeat_interval_ms": 500, "rebalance_timeout_ms": 1500}


def event(stream: str) -> Envelope:
    return Envelope(
        type="consultation.ConsultationCreated", schema_version=1, stream=stream,
        stream_version=1,
        data={"consultation_id": stream, "title": "Consultation de référence",
              "slug": "reference", "summary": "Banc d'essai"},
        actor=Actor("p-bench", "organiser"), occurred_at=datetime.now(UTC),
        correlation_id=uuid.uuid4().hex, consultation_id=stream)


async def adapter_run(bootstrap: str, n: int) -> tuple[float, float]:
    registry = SchemaRegistry()
    log = KafkaEventLog(bootstrap, registry.topics, registry.key, **GROUP)
    await log.start()
    try:
        events = [event(f"consultation-{uuid.uuid4().hex}") for _ in range(n)]
        queue = iter(events)

        async def writer() -> None:
            for e in queue:
                await log.append([e])

        await log.append([event(f"consultation-{uuid.uuid4().hex}")])  # warm: index load
        t0 = time.perf_counter()
        await asyncio.gather(*(writer() for _ in range(WRITERS)))
        produce_s = time.perf_counter() - t0

        want = {e.event_id for e in events}
        sub = await log.subscribe(f"bench-{uuid.uuid4().hex}", [TOPIC])
        started: float | None = None
        try:
            while want:
                batch = await sub.poll(max_records=500, timeout=1.0)
                if batch.records and started is None:
                    started = time.perf_counter()
                want -= {r.event.event_id for r in batch.records}
                if batch.records:
                    await sub.commit(batch)
        finally:
            await sub.close()
        assert started is not None
        return produce_s, time.perf_counter() - started
    finally:
        await log.close()


async def raw_run(bootstrap: str, n: int) -> tuple[float, float]:
    from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        payloads = [(e.stream.encode(), e.to_json())
                    for e in (event(f"consultation-{uuid.uuid4().hex}") for _ in range(n))]
        t0 = time.perf_counter()
        futures = [await producer.send(RAW_TOPIC, v, key=k) for k, v in payloads]
        await asyncio.gather(*futures)
        produce_s = time.perf_counter() - t0
    finally:
        await producer.stop()
    consumer = AIOKafkaConsumer(RAW_TOPIC, bootstrap_servers=bootstrap,
                                group_id=f"raw-{uuid.uuid4().hex}", enable_auto_commit=False,
                                auto_offset_reset="earliest", **GROUP)
    await consumer.start()
    got, started = 0, None
    try:
        while got < n:
            batch = await consumer.getmany(timeout_ms=1000, max_records=500)
            records = [r for rs in batch.values() for r in rs]
            if records and started is None:
                started = time.perf_counter()
            for r in records:
                Envelope.from_json(r.value)  # same decoding work as the adapter
            got += len(records)
            if records:
                await consumer.commit()
    finally:
        await consumer.stop()
    assert started is not None
    return produce_s, time.perf_counter() - started


async def measure(bootstrap: str | None = None, n: int = 5000) -> dict[str, float]:
    """Events per second for the adapter and raw aiokafka, and their ratios."""
    if bootstrap is None:
        from tests.tansu import Tansu

        with Tansu() as broker:
            return await measure(broker.bootstrap, n)
    from kafka import KafkaAdminClient
    from kafka.admin import NewTopic
    from kafka.errors import TopicAlreadyExistsError

    provision_topics(bootstrap, SchemaRegistry().topics, cap_replication=True)
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    try:
        admin.create_topics([NewTopic(RAW_TOPIC, 3, 1)])
    except TopicAlreadyExistsError:
        pass
    finally:
        admin.close()
    a_prod, a_cons = await adapter_run(bootstrap, n)
    r_prod, r_cons = await raw_run(bootstrap, n)
    return {
        "events": n,
        "adapter_append_per_s": n / a_prod,
        "raw_produce_per_s": n / r_prod,
        "adapter_consume_per_s": n / a_cons,
        "raw_consume_per_s": n / r_cons,
        "append_ratio": r_prod / a_prod,
        "consume_ratio": r_cons / a_cons,
        "end_to_end_ratio": (r_prod + r_cons) / (a_prod + a_cons),
    }


if __name__ == "__main__":
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
    result = asyncio.run(measure(sys.argv[2] if len(sys.argv) > 2 else None, n))
    for name, value in result.items():
        print(f"{name}: {value:,.2f}")
    print(f"adapter / raw aiokafka end-to-end ratio: {result['end_to_end_ratio']:.2f}")
