"""The event-log contract on Kafka (aiokafka adapter) against a real
Kafka-protocol broker (Tansu, started once per test session)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import ClassVar

import pytest
from eventlog_contract import EventLogContract
from harness.kafka import KAFKA_GROUP_TIMEOUTS

from services.core.schema_registry import SchemaRegistry
from services.eventlog.kafka import KafkaEventLog
from services.eventlog.port import EventLog

_REGISTRY = SchemaRegistry()

pytestmark = pytest.mark.kafka


class TestKafkaEventLog(EventLogContract):
    poll_timeout: ClassVar[float] = 1.0
    wait_seconds: ClassVar[float] = 20.0  # a group join on Tansu takes ~3 s

    @pytest.fixture(autouse=True)
    def _broker(self, kafka_bootstrap: str) -> None:
        self.bootstrap = kafka_bootstrap

    async def make_log(self) -> EventLog:
        return KafkaEventLog(
            self.bootstrap, _REGISTRY.topics, _REGISTRY.key, **KAFKA_GROUP_TIMEOUTS
        )

    @contextlib.asynccontextmanager
    async def written_by_another_process(self, log: EventLog) -> AsyncIterator[str]:
        """A new stream that another log client (another process) appended to, after
        `log` indexed the topic; that client stays open while the caller looks."""
        async with self.another_writer(log) as (stream, _):
            yield stream

    @contextlib.asynccontextmanager
    async def another_writer(self, log: EventLog) -> AsyncIterator[tuple[str, EventLog]]:
        """`written_by_another_process`'s stream and the other client, to append more."""
        from eventlog_contract import created, new_stream

        stream = new_stream()
        await log.append([created(new_stream())])  # `log` has indexed the topic
        other = await self.make_log()
        await other.start()
        try:
            await other.append([created(stream)], expect={stream: 0})
            yield stream, other
        finally:
            await other.close()

    async def test_a_writer_taking_a_partition_over_sees_the_previous_writers_events(
            self, log: EventLog) -> None:
        """ADR 0035: a replica assigned a partition another process wrote to reads
        the log up to its end before it decides; without `take_over` its index,
        loaded earlier, would still say the stream is empty."""
        from eventlog_contract import TOPIC

        async with self.written_by_another_process(log) as stream:
            await log.take_over(TOPIC)
            assert await log.stream_version(stream) == 1
            assert [e.stream_version for e in await log.read_stream(stream)] == [1]

    async def test_a_stream_another_process_appended_to_is_read_as_the_log_holds_it(
            self, log: EventLog) -> None:
        """A decision folds streams other processes write (a moderator's claim, in a
        front, folds the contribution the deposit replicas wrote): `read_stream`
        must not answer from an index loaded before their appends, nor
        `stream_version`, which the decision's append then expects."""
        async with self.written_by_another_process(log) as stream:
            assert await log.stream_version(stream) == 1  # what an append expects next
            assert [e.stream_version for e in await log.read_stream(stream)] == [1]

    async def test_decisions_at_the_same_moment_share_a_check_yet_see_what_preceded_them(
            self, log: EventLog) -> None:
        """`_fresh` is shared by the decisions waiting together (one watermark fetch
        per round, not one each), but a decision never joins a check already under
        way: that check may predate an append acknowledged before the decision was
        asked, which it must see."""
        import asyncio

        from eventlog_contract import created

        assert isinstance(log, KafkaEventLog)
        async with self.another_writer(log) as (stream, other):
            assert await log.stream_version(stream) == 1  # `log` is up to date
            reader = log._reader  # counting its round trips
            assert reader is not None
            real, fetches = reader.highwaters, []
            fetched, held = asyncio.Event(), asyncio.Event()

            async def counted(*args: object, **kwargs: object) -> object:
                fetches.append(1)
                ends = await real(*args, **kwargs)  # type: ignore[arg-type]
                if len(fetches) == 1:  # the first check has its watermarks, then stalls
                    fetched.set()
                    await held.wait()
                return ends

            reader.highwaters = counted  # type: ignore[method-assign,assignment]
            first = asyncio.create_task(log.stream_version(stream))
            await fetched.wait()
            await other.append([created(stream, 2)], expect={stream: 1})
            later = [asyncio.create_task(log.stream_version(stream)) for _ in range(20)]
            await asyncio.sleep(0.05)
            held.set()
            assert await first == 1  # its check found nothing new: fetched before it
            assert await asyncio.gather(*later) == [2] * 20  # never the first check's
            assert len(fetches) == 2  # the twenty shared one


class TestKafkaEventLogIndexedInRuns(TestKafkaEventLog):
    """The same contract with the writer index keeping two events as strings: every
    other event it checks against has moved to its numpy runs (ADR 0122)."""

    async def make_log(self) -> EventLog:
        return KafkaEventLog(
            self.bootstrap, _REGISTRY.topics, _REGISTRY.key, index_recent=2,
            **KAFKA_GROUP_TIMEOUTS
        )
