"""Reading ranges of Kafka partitions without a consumer group.

One consumer with manual assignment, shared under a lock: `read`, the writer
index catch-up and `lag` all go through it.

Where a range ends: Tansu answers ListOffsets with wrong end offsets when a
batch holds several records, so `end_offsets()` cannot be trusted. The high
watermark a Fetch response carries is right; a fresh assignment has no
watermark (None) until its first fetch answers, so we poll until every
partition has one and the position reached it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from typing import Any

import orjson
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.errors import KafkaError

from services.core.envelope import Envelope
from services.core.errors import EventLogUnavailable
from services.core.schema_registry import TopicSpec
from services.eventlog.kafka_index import can_hold
from services.eventlog.kafka_security import KafkaSecurity
from services.eventlog.kafka_topics import check_topics
from services.eventlog.port import EXPIRED, Mark, Recorded

log = logging.getLogger(__name__)

# How long the broker may hold a fetch. A fetch that may find nothing new (the
# usual freshness check, from the last ends known) wants the high watermark at
# once: 1 ms (0 hangs Tansu). Once the watermarks show records below them, the
# broker may take longer: Kafka answers as soon as it has one record anyway, but
# Tansu answers with what it gathered within the wait, a record or a few in 1 ms;
# reading a partition of single-event batches then took a round trip per event, and
# a long soak's broker ended answering no read of a topic within its 5 s bound.
_FETCH_WAIT_MS = 1
_GATHER_WAIT_MS = 100
# How long `getmany` waits before the watermarks are looked at again. A response
# that brings no record (a partition read to its end, the usual freshness check)
# wakes no `getmany`: its watermark is only seen when the wait ends.
_STEP_MS = 2
# How many bytes a fetch asks for, sized on the records it will keep. A broker
# answers a partition with up to `max_partition_fetch_bytes` whatever the client
# wants (Kafka 1 MiB by default, Tansu up to the request's 5 MiB): a decision
# reading one event of its stream fetched the megabyte after it. Too small a
# budget costs one more round trip (a broker always answers a partition's first
# batch, however large).
_RECORD_BYTES = 1024  # an envelope on the wire, about (a proposal with its text)
_MAX_FETCH_BYTES = 1024 * 1024


def decode(record: Any) -> Recorded | None:
    """A Kafka consumer record as the port's `Recorded`; None if it is not an
    envelope (a foreign or corrupt record must not wedge readers)."""
    try:
        event = Envelope.from_json(record.value)
    except (ValueError, KeyError, TypeError) as e:
        log.warning("skipping undecodable record %s/%s@%s: %r",
                    record.topic, record.partition, record.offset, e)
        return None
    key = record.key.decode() if record.key is not None else event.stream
    return Recorded(event, record.topic, record.partition, record.offset, key)


def index_fields(record: Any) -> tuple[str, str, int] | None:
    """What the writer index keeps of a record (its event id, stream and version),
    without building the envelope: a whole log is read this way before a process
    may decide (ADR 0123), and the envelope cost two thirds of the decoding. Every
    record `decode` reads is indexed, and one it skips whose three fields are there
    too (it is in the log: no append may take its id or its version). Not one whose
    id or stream is not a string, or whose version is not a whole number from 0 to
    2^32 - 1: no event Parlons writes, and the index's rows cannot hold it."""
    try:
        body = orjson.loads(record.value)
        fields = body["event_id"], body["stream"], body["stream_version"]
    except (ValueError, KeyError, TypeError):
        return None
    return fields if can_hold(*fields) else None


_FETCHER_SIZES = ("_max_partition_fetch_bytes", "_fetch_max_bytes", "_fetch_max_wait_ms")
_warned: list[bool] = []  # once a process


def _ask_for(consumer: AIOKafkaConsumer, *, records: int, partitions: int,
             wait_ms: int) -> None:
    """Size the consumer's next fetch requests: `records` a partition, held at most
    `wait_ms`. aiokafka takes these only at construction, and its fetcher reads
    them each time it builds a request: set on it, they hold for this fetch (the
    reader fetches one range at a time, under its lock). If a version of aiokafka
    renamed them, reads stay right with the construction's sizes, only slower:
    logged, and `test_kafka_fetch_budget.py` fails on it."""
    fetcher = consumer._fetcher
    if not all(hasattr(fetcher, a) for a in _FETCHER_SIZES):
        if not _warned:
            _warned.append(True)
            log.warning("aiokafka's fetcher no longer takes %s: fetches keep their "
                        "construction sizes", ", ".join(_FETCHER_SIZES))
        return
    per_partition = min(max(records, 1) * _RECORD_BYTES, _MAX_FETCH_BYTES)
    fetcher._max_partition_fetch_bytes = per_partition
    fetcher._fetch_max_bytes = per_partition * partitions
    fetcher._fetch_max_wait_ms = wait_ms


class PartitionReader:
    def __init__(
        self,
        bootstrap_servers: str,
        *,
        client_id: str,
        timeout_s: float,
        metadata: Callable[[], Awaitable[Any]],
        security: KafkaSecurity | None = None,
    ) -> None:
        self._timeout_s = timeout_s
        self._metadata = metadata
        self._partitions: dict[str, list[int]] = {}
        self._consumer = AIOKafkaConsumer(
            bootstrap_servers=bootstrap_servers,
            client_id=f"{client_id}-reader",
            enable_auto_commit=False,
            auto_offset_reset="earliest",  # a range start below the log start
            fetch_max_wait_ms=_FETCH_WAIT_MS,
            request_timeout_ms=int(timeout_s * 1000),
            **(security or KafkaSecurity()).client_options(),
        )
        self._lock = asyncio.Lock()
        self._started = False

    async def start(self) -> None:
        if not self._started:
            await self._consumer.start()
            self._started = True

    async def close(self) -> None:
        if self._started:
            self._started = False
            await self._consumer.stop()

    async def check(self, topics: Mapping[str, TopicSpec]) -> None:
        """Check the topics against topics.yaml (kafka_topics.check_topics) on fresh
        metadata, and remember their partitions."""
        try:
            cluster = await asyncio.wait_for(self._metadata(), self._timeout_s)
        except (KafkaError, TimeoutError, OSError) as e:
            raise EventLogUnavailable(f"kafka metadata: {e!r}") from e
        self._partitions.update(check_topics(cluster, topics))

    def forget(self) -> None:
        """Drop the cached partitions (the topics may have been re-created)."""
        self._partitions.clear()

    async def partitions(self, topic: str) -> list[int]:
        """The topic's partitions; [] if it does not exist. From a metadata
        request for all topics: it never auto-creates one, and the consumer's
        own cache only keeps the topics currently assigned. Cached: Parlons
        never adds partitions (it would move keys and break per-key order)."""
        if topic not in self._partitions:
            try:
                cluster = await asyncio.wait_for(self._metadata(), self._timeout_s)
            except (KafkaError, TimeoutError, OSError) as e:
                raise EventLogUnavailable(f"kafka metadata: {e!r}") from e
            found = cluster.partitions_for_topic(topic)
            if not found:
                return []
            self._partitions[topic] = sorted(found)
        return self._partitions[topic]

    async def fetch(
        self, starts: dict[TopicPartition, int], *, limit: int
    ) -> tuple[dict[TopicPartition, list[Any]], dict[TopicPartition, int]]:
        """Raw records of each partition from its start offset up to its high
        watermark (at most `limit` per partition), and the watermarks."""
        if not starts:
            return {}, {}
        async with self._lock:
            try:
                return await asyncio.wait_for(self._fetch(starts, limit), self._timeout_s)
            except (KafkaError, TimeoutError, OSError) as e:
                raise EventLogUnavailable(f"kafka read: {e!r}") from e

    async def _fetch(
        self, starts: dict[TopicPartition, int], limit: int
    ) -> tuple[dict[TopicPartition, list[Any]], dict[TopicPartition, int]]:
        consumer = self._consumer
        _ask_for(consumer, records=limit, partitions=len(starts), wait_ms=_FETCH_WAIT_MS)
        consumer.assign(list(starts))  # a fresh assignment: no stale watermark
        for tp, offset in starts.items():
            consumer.seek(tp, offset)
        got: dict[TopicPartition, list[Any]] = {tp: [] for tp in starts}
        position = dict(starts)

        def done(tp: TopicPartition) -> bool:
            high = consumer.highwater(tp)
            return high is not None and (position[tp] >= high or len(got[tp]) >= limit)

        pending = [tp for tp in starts if not done(tp)]
        gathering = False
        while pending:
            # no more than still wanted: the records beyond stay undecoded
            wanted = sum(limit - len(got[tp]) for tp in pending)
            batch = await consumer.getmany(*pending, timeout_ms=_STEP_MS,
                                           max_records=max(wanted, 1))
            for tp, records in batch.items():
                got[tp].extend(records)
                if records:
                    position[tp] = records[-1].offset + 1
            finished = [tp for tp in pending if done(tp)]
            if finished:  # the next requests ask for the others only
                for tp in finished:
                    # A seek drops what the fetcher holds of the partition beyond
                    # what was kept: aiokafka sends a node no fetch while records
                    # fetched from it wait to be taken (up to 100 ms, its
                    # `prefetch_backoff`), so the partitions still pending on that
                    # broker waited for records nobody would take.
                    consumer.seek(tp, position[tp])
                consumer.pause(*finished)
                pending = [tp for tp in pending if tp not in finished]
            if pending and not gathering and all(
                    consumer.highwater(tp) is not None for tp in pending):
                gathering = True  # records are known to be there: let the broker gather
                _ask_for(consumer, records=max(limit - len(got[tp]) for tp in pending),
                         partitions=len(pending), wait_ms=_GATHER_WAIT_MS)
        ends = {tp: int(consumer.highwater(tp) or 0) for tp in starts}
        # Paused until the next assignment: the consumer's fetcher would otherwise
        # keep fetching every partition left assigned, idle, for as long as the
        # process lives (about a hundred requests a second of every partition; ADR 0036).
        consumer.pause(*starts)
        return {tp: records[:limit] for tp, records in got.items()}, ends

    async def highwaters(self, tps: Iterable[TopicPartition],
                         hint: dict[TopicPartition, int]) -> dict[TopicPartition, int]:
        """End offsets from a fetch; `hint` (last known ends) keeps the fetch from
        pulling old records."""
        _, ends = await self.fetch({tp: hint.get(tp, 0) for tp in tps}, limit=0)
        return ends

    async def lowwaters(self, tps: Iterable[TopicPartition]) -> dict[TopicPartition, int]:
        """Each partition's first offset still held (retention moves it on)."""
        wanted = list(tps)
        if not wanted:
            return {}
        async with self._lock:
            try:
                found = await asyncio.wait_for(self._consumer.beginning_offsets(wanted),
                                               self._timeout_s)
            except (KafkaError, TimeoutError, OSError) as e:
                raise EventLogUnavailable(f"kafka offsets: {e!r}") from e
        return {tp: int(offset) for tp, offset in found.items()}

    async def events_at(self, marks: Sequence[Mark]) -> dict[Mark, str | None]:
        """The event id at each mark's position (the port's `events_at`): one fetch
        per round, one offset per partition in each (a consumer has one mark per
        partition, so one round)."""
        found: dict[Mark, str | None] = {}
        pending = sorted(set(marks), key=lambda m: (m.topic, m.partition, m.offset))
        while pending:
            starts: dict[TopicPartition, int] = {}
            for m in pending:
                if m.partition not in await self.partitions(m.topic):
                    # no positive evidence of a loss: the topic may be on its way back
                    raise EventLogUnavailable(f"kafka: no partition {m.topic}/{m.partition}")
                starts.setdefault(TopicPartition(m.topic, m.partition), m.offset)
            got, ends = await self.fetch(starts, limit=1)
            for m in pending:
                tp = TopicPartition(m.topic, m.partition)
                if starts[tp] != m.offset:
                    continue  # another mark of this partition: next round
                here = [decode(r) for r in got[tp] if r.offset == m.offset]
                if here:  # a record that is no envelope is another event too
                    found[m] = here[0].event.event_id if here[0] else "<not an event>"
                else:  # inside the log but gone: deleted by retention
                    found[m] = EXPIRED if ends[tp] > m.offset else None
            pending = [m for m in pending if m not in found]
        return found
