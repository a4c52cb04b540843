"""Commands over Kafka (distributed topology, ADR 0035): the HTTP front's sender
and a service replica's receiver. A record is a JSON document this module does
not interpret: what a command means is the runtime's business (command_codec).

- The sender produces a command to its service's command topic, keyed as the
  events it will write, with `acks="all"`, and waits for the answer on the
  partition of `runtime.replies` it reads (chosen at start; answers to other
  fronts sharing it are ignored). No answer within the timeout:
  `CommandTimedOut`, the outcome unknown (the Idempotency-Key makes a retry safe).
- The receiver is a member of the service's command group: it is handed the
  partitions the group assigns it, and is told before they are taken away
  (`on_revoked` runs inside the rebalance: the group waits for it, so a replica
  finishes what it was deciding before another member gets the partition).
  Offsets are committed with the member's generation: a replica that lost the
  group cannot commit, and `owns` tells whether it still holds a partition.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

import orjson
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRebalanceListener, TopicPartition
from aiokafka.errors import KafkaError

from services.core.errors import CommandTimedOut, EventLogUnavailable
from services.core.ids import new_id
from services.eventlog.kafka_clients import no_topic_auto_creation
from services.eventlog.kafka_security import KafkaSecurity

log = logging.getLogger(__name__)

REPLIES = "runtime.replies"
# Where a front starts reading its reply partition: this far before its end.
# Tansu's ListOffsets may misplace the end of a multi-record batch; records of
# other fronts read again are ignored, a reply missed would be a timeout.
_REPLY_REWIND = 1000
# A client's stop at shutdown, bounded: with the broker already gone it would wait
# for request timeouts (nothing is lost: offsets are committed as commands end).
_STOP_S = 3.0


@dataclass(frozen=True, slots=True)
class CommandRecord:
    partition: int
    offset: int
    command_id: str
    reply_to: int
    deadline: float  # epoch seconds: past it, the front has answered 504 (or it
    # said the command goes on, and its start was due: `start_within`)
    body: dict[str, Any]

    @property
    def expired(self) -> bool:
        return time.time() > self.deadline


class KafkaCommandSender:
    def __init__(self, bootstrap: str, *, reply_partitions: int, timeout_s: float,
                 request_timeout_ms: int = 5000, security: KafkaSecurity | None = None,
                 client_id: str = "parlons-front") -> None:
        no_topic_auto_creation()
        self._bootstrap = bootstrap
        self._security = security or KafkaSecurity()
        self._timeout_s = timeout_s
        self._request_timeout_ms = request_timeout_ms
        self._client_id = client_id
        self.reply_to = random.randrange(reply_partitions)  # spreads fronts; not a secret
        self._pending: dict[str, asyncio.Future[dict[str, Any]]] = {}
        self._producer: AIOKafkaProducer | None = None
        self._consumer: AIOKafkaConsumer | None = None
        self._reading: asyncio.Task[None] | None = None

    async def start(self) -> None:
        if self._producer is not None:
            return
        options = self._security.client_options()
        producer = AIOKafkaProducer(bootstrap_servers=self._bootstrap, acks="all",
                                    client_id=self._client_id,
                                    request_timeout_ms=self._request_timeout_ms, **options)
        consumer = AIOKafkaConsumer(bootstrap_servers=self._bootstrap, group_id=None,
                                    client_id=f"{self._client_id}-replies",
                                    enable_auto_commit=False, fetch_max_wait_ms=50,
                                    **options)
        tp = TopicPartition(REPLIES, self.reply_to)
        try:
            await producer.start()
            await consumer.start()
            consumer.assign([tp])
            await consumer.seek_to_end(tp)
            end = await consumer.position(tp)
            consumer.seek(tp, max(0, end - _REPLY_REWIND))
        except (KafkaError, OSError) as e:
            for client in (producer, consumer):
                with contextlib.suppress(Exception):
                    await client.stop()
            raise EventLogUnavailable(f"kafka commands on {self._bootstrap}: {e!r}") from e
        self._producer, self._consumer = producer, consumer
        self._reading = asyncio.create_task(self._read_replies(), name="command-replies")

    async def close(self) -> None:
        if self._reading is not None:
            self._reading.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._reading
        for client in (self._consumer, self._producer):
            if client is not None:
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(client.stop(), _STOP_S)
        self._producer = self._consumer = None

    async def send(self, topic: str, key: str, body: Mapping[str, Any], *,
                   start_within: float | None = None) -> dict[str, Any]:
        """The service's answer to `body`; `EventLogUnavailable` when the command
        could not be handed to the broker, `CommandTimedOut` when no answer came
        within the timeout. A replica starts the command until its deadline: the
        timeout, or `start_within` seconds when longer (a command that goes on past
        the front's wait: a Pol.is import, ADR 0129)."""
        if self._producer is None:
            await self.start()
        assert self._producer is not None
        command_id = new_id()
        answer_by = time.time() + self._timeout_s
        deadline = max(answer_by, time.time() + (start_within or 0.0))
        answer: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._pending[command_id] = answer
        record = orjson.dumps({"id": command_id, "reply_to": self.reply_to,
                               "deadline": deadline, "body": dict(body)})
        try:
            try:
                await asyncio.wait_for(
                    self._producer.send_and_wait(topic, record, key=key.encode()),
                    self._timeout_s)
            except (KafkaError, OSError, TimeoutError) as e:
                raise EventLogUnavailable(f"kafka command to {topic}: {e!r}") from e
            try:
                return await asyncio.wait_for(answer, max(0.0, answer_by - time.time()))
            except TimeoutError:
                raise CommandTimedOut(topic, self._timeout_s) from None
        finally:
            self._pending.pop(command_id, None)

    async def _read_replies(self) -> None:
        assert self._consumer is not None
        while True:
            try:
                got = await self._consumer.getmany(timeout_ms=200)
            except KafkaError as e:  # the broker is away: senders time out meanwhile
                log.warning("reading command replies failed: %r", e)
                await asyncio.sleep(0.5)
                continue
            for records in got.values():
                for record in records:
                    self._answered(record.value)

    def _answered(self, value: bytes | None) -> None:
        try:
            reply = orjson.loads(value or b"")
            waiting = self._pending.get(reply["id"])
        except (orjson.JSONDecodeError, KeyError, TypeError):
            return
        if waiting is not None and not waiting.done():
            waiting.set_result(reply["outcome"])


Partitions = Callable[[set[int]], Awaitable[None]]


class _Ownership(ConsumerRebalanceListener):  # type: ignore[misc]  # untyped aiokafka
    def __init__(self, topic: str, on_assigned: Partitions, on_revoked: Partitions) -> None:
        self.topic = topic
        self.owned: set[int] = set()
        self._on_assigned, self._on_revoked = on_assigned, on_revoked

    async def on_partitions_revoked(self, revoked: set[TopicPartition]) -> None:
        lost = {tp.partition for tp in revoked if tp.topic == self.topic}
        self.owned -= lost
        log.info("command partitions revoked: %s", sorted(lost))
        await self._on_revoked(lost)

    async def on_partitions_assigned(self, assigned: set[TopicPartition]) -> None:
        got = {tp.partition for tp in assigned if tp.topic == self.topic}
        await self._on_assigned(got)  # the write-side state first, then commands
        self.owned |= got
        log.info("command partitions assigned: %s", sorted(got))


class KafkaCommandReceiver:
    def __init__(self, bootstrap: str, *, topic: str, group: str,
                 on_assigned: Partitions, on_revoked: Partitions,
                 group_config: Mapping[str, Any], security: KafkaSecurity | None = None,
                 client_id: str = "parlons-service") -> None:
        no_topic_auto_creation()
        self.topic = topic
        self._bootstrap = bootstrap
        self._group = group
        self._security = security or KafkaSecurity()
        self._group_config = dict(group_config)
        self._client_id = client_id
        self._ownership = _Ownership(topic, on_assigned, on_revoked)
        self._producer: AIOKafkaProducer | None = None
        self._consumer: AIOKafkaConsumer | None = None

    async def start(self) -> None:
        options = self._security.client_options()
        producer = AIOKafkaProducer(bootstrap_servers=self._bootstrap, acks="all",
                                    client_id=self._client_id, **options)
        consumer = AIOKafkaConsumer(bootstrap_servers=self._bootstrap, group_id=self._group,
                                    client_id=f"{self._client_id}-{self._group}",
                                    enable_auto_commit=False, auto_offset_reset="earliest",
                                    fetch_max_wait_ms=50, **self._group_config, **options)
        try:
            await producer.start()
            await consumer.start()
            consumer.subscribe([self.topic], listener=self._ownership)
        except (KafkaError, OSError) as e:
            for client in (producer, consumer):
                with contextlib.suppress(Exception):
                    await client.stop()
            raise EventLogUnavailable(f"kafka commands on {self._bootstrap}: {e!r}") from e
        self._producer, self._consumer = producer, consumer

    async def close(self) -> None:
        for client in (self._consumer, self._producer):
            if client is not None:
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(client.stop(), _STOP_S)
        self._producer = self._consumer = None

    def owns(self, partition: int) -> bool:
        return partition in self._ownership.owned

    async def poll(self, timeout_ms: int = 200) -> dict[int, list[CommandRecord]]:
        assert self._consumer is not None
        got = await self._consumer.getmany(timeout_ms=timeout_ms)
        out: dict[int, list[CommandRecord]] = {}
        for tp, records in got.items():
            for r in records:
                command = _command(r)
                if command is not None:
                    out.setdefault(tp.partition, []).append(command)
                else:  # not ours to read: skipped, its offset committed with the next
                    log.warning("skipping undecodable command %s/%s@%s",
                                r.topic, r.partition, r.offset)
        return out

    async def reply(self, command: CommandRecord, outcome: Mapping[str, Any]) -> None:
        assert self._producer is not None
        value = orjson.dumps({"id": command.command_id, "outcome": dict(outcome)})
        await self._producer.send_and_wait(REPLIES, value, partition=command.reply_to)

    async def commit(self, partition: int, next_offset: int) -> None:
        """Commit under this member's generation: refused (a KafkaError) when the
        group has moved on, which is how a replica learns it was fenced."""
        assert self._consumer is not None
        await self._consumer.commit({TopicPartition(self.topic, partition): next_offset})


def _command(record: Any) -> CommandRecord | None:
    try:
        doc = orjson.loads(record.value)
        return CommandRecord(partition=record.partition, offset=record.offset,
                             command_id=str(doc["id"]), reply_to=int(doc["reply_to"]),
                             deadline=float(doc["deadline"]), body=dict(doc["body"]))
    except (orjson.JSONDecodeError, KeyError, TypeError, ValueError):
        return None
