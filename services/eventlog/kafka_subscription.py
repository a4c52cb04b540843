"""A consumer-group subscription over Kafka topics.

At least once: offsets are committed only by `commit(batch)`, after the caller
made the batch's effects durable (auto-commit is off). On a rebalance, aiokafka
drops the buffered records of revoked partitions and the newly assigned ones
start from the group's committed offsets, so a consumer resumes where the
group's last durable effect left off.

`epoch` moves at each assignment and after each failed poll: after a broker
outage the group rejoins, and where the consumer resumes (the committed offsets,
or the earliest offset when the broker forgot them) proves nothing about the
log's continuity, so the worker checks its marks again (ADR 0032).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping

from aiokafka import AIOKafkaConsumer, ConsumerRebalanceListener, TopicPartition
from aiokafka.errors import (
    CommitFailedError,
    IllegalGenerationError,
    KafkaError,
    RebalanceInProgressError,
)
from aiokafka.structs import OffsetAndMetadata

from services.core.errors import EventLogUnavailable
from services.eventlog.kafka_offsets import GroupOffsets
from services.eventlog.kafka_reader import PartitionReader, decode
from services.eventlog.port import Batch, Position, Recorded, Subscription

log = logging.getLogger(__name__)

# A commit refused because the group moved on: the records will be delivered
# again to whoever owns the partition now, which is what at-least-once allows.
_LOST_OWNERSHIP = (CommitFailedError, IllegalGenerationError, RebalanceInProgressError)


class _Revocations(ConsumerRebalanceListener):  # type: ignore[misc]
    """Remembers partitions revoked since the last poll: a batch polled before a
    revocation must not commit them (another member may be ahead by now)."""

    def __init__(self) -> None:
        self.revoked: set[TopicPartition] = set()
        self.assignments = 0

    async def on_partitions_revoked(self, revoked: set[TopicPartition]) -> None:
        self.revoked |= set(revoked)
        log.info("partitions revoked: %s", sorted(map(str, revoked)))

    async def on_partitions_assigned(self, assigned: set[TopicPartition]) -> None:
        # aiokafka seeks each assigned partition to the group's committed offset
        self.assignments += 1
        log.info("partitions assigned: %s", sorted(map(str, assigned)))


class KafkaSubscription(Subscription):
    def __init__(
        self,
        consumer: AIOKafkaConsumer,
        group: str,
        topics: tuple[str, ...],
        reader: PartitionReader,
        offsets: GroupOffsets,
        on_close: Callable[[KafkaSubscription], Awaitable[None]] | None = None,
    ) -> None:
        self._consumer = consumer
        self.group = group
        self.topics = topics
        self._reader = reader
        self._offsets = offsets
        self._on_close = on_close
        self._listener = _Revocations()
        self._ends: dict[TopicPartition, int] = {}
        self._closed = False
        self._failures = 0

    @property
    def epoch(self) -> int:
        return self._listener.assignments + self._failures

    async def start(self) -> None:
        try:
            self._consumer.subscribe(list(self.topics), listener=self._listener)
            await self._consumer.start()
        except (KafkaError, OSError) as e:
            raise EventLogUnavailable(f"kafka subscribe {self.group}: {e!r}") from e

    async def poll(self, *, max_records: int = 500, timeout: float = 1.0) -> Batch:
        self._listener.revoked.clear()
        try:
            got = await self._consumer.getmany(
                timeout_ms=int(timeout * 1000), max_records=max_records
            )
        except KafkaError as e:
            self._failures += 1
            raise EventLogUnavailable(f"kafka poll {self.group}: {e!r}") from e
        records: list[Recorded] = []
        next_position: dict[str, Position] = {}
        for tp, raw in sorted(got.items()):
            if not raw:
                continue
            records.extend(r for r in map(decode, raw) if r is not None)
            next_position.setdefault(tp.topic, {})[tp.partition] = raw[-1].offset + 1
        return Batch(records, next_position)

    async def commit(self, batch: Batch) -> None:
        owned = self._consumer.assignment()
        offsets = {}
        for topic, position in batch.next_position.items():
            for partition, offset in position.items():
                tp = TopicPartition(topic, partition)
                if tp in owned and tp not in self._listener.revoked:
                    offsets[tp] = OffsetAndMetadata(offset, "")
        if not offsets:
            return
        try:
            await self._consumer.commit(offsets)
        except _LOST_OWNERSHIP as e:
            log.warning("commit of %s skipped, the group rebalanced: %r", self.group, e)
        except KafkaError as e:
            raise EventLogUnavailable(f"kafka commit {self.group}: {e!r}") from e

    async def checkpoints(self) -> dict[str, Position]:
        out: dict[str, Position] = {}
        try:
            committed = await self._offsets.committed(self.group, await self._partitions())
        except (KafkaError, TimeoutError, OSError) as e:
            raise self._unavailable(e) from e
        for tp, offset in committed.items():
            if offset is not None:
                out.setdefault(tp.topic, {})[tp.partition] = offset
        return out

    async def lag(self) -> int:
        self._ends = await self._reader.highwaters(await self._partitions(), self._ends)
        return await self._behind(self._ends)

    async def behind(self, upto: Mapping[str, Position]) -> int:
        return await self._behind({tp: upto[tp.topic].get(tp.partition, 0)
                                   for tp in await self._partitions() if tp.topic in upto})

    async def _partitions(self) -> list[TopicPartition]:
        return [TopicPartition(topic, p)
                for topic in self.topics for p in await self._reader.partitions(topic)]

    async def _behind(self, ends: Mapping[TopicPartition, int]) -> int:
        """The group's records below `ends` not committed, its offsets asked for in
        one request (ADR 0036)."""
        try:
            return await self._offsets.behind(self.group, ends)
        except (KafkaError, TimeoutError, OSError) as e:
            raise self._unavailable(e) from e

    def _unavailable(self, error: Exception) -> EventLogUnavailable:
        return EventLogUnavailable(f"kafka committed offsets {self.group}: {error!r}")

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        try:
            await self._consumer.stop()  # leaves the group: a successor joins at once
        finally:
            if self._on_close is not None:
                await self._on_close(self)
