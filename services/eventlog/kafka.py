"""The event log on Kafka (distributed topology, DESIGN §4), with aiokafka.

- Durable append: `acks="all"` and `append` returns only when the broker
  acknowledged every record; any Kafka error or timeout raises
  `EventLogUnavailable` (HTTP 503) within `request_timeout_ms` or so.
- Routing: one topic per owning service, key from `key_for` (schemas/topics.yaml),
  partition = aiokafka's default partitioner (murmur2 of the key bytes, as the
  Java client), so per-key order holds.
- Idempotence and stream versions: checked against the writer index
  (kafka_index.py, ADR 0005). Appends are checked and produced in sequential
  rounds in this process (group commit: what queued during one round trip goes
  out in the next). The design assumes one writing process per topic; see the
  ADR for what happens when that does not hold.
- Broker faults (ADR 0032): no client of this log asks the broker to create a
  topic (kafka_clients.py); the topics of topics.yaml are checked at start and
  on every `ping` (they exist, with their partition counts, each partition with a
  leader), so readiness fails while writes cannot be made; a log found behind
  the writer index (the broker lost its memory, a topic was re-created) is
  reported (`on_rewind`, an error log) and the index is read again from the log
  as it now is, so the process recovers without a restart.
- Not atomic across partitions: without transactions (which do not start on
  Tansu) a failed multi-event append may have written part of its events.
  They are not acknowledged; a retry of the same batch reports them as
  duplicates and writes the rest, because a failure marks the index stale.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.errors import KafkaError

from services.core.envelope import Envelope
from services.core.errors import ConcurrencyConflict, EventLogUnavailable
from services.core.schema_registry import TopicSpec
from services.eventlog.kafka_clients import no_topic_auto_creation
from services.eventlog.kafka_index import RECENT, Held, Where, WriterIndex
from services.eventlog.kafka_offsets import GroupOffsets
from services.eventlog.kafka_reader import PartitionReader, decode, index_fields
from services.eventlog.kafka_security import KafkaSecurity
from services.eventlog.kafka_subscription import KafkaSubscription
from services.eventlog.kafka_topics import (
    ReplicationUnavailable,
    TopicMismatch,
    create_topics,
    delete_group,
    provision_topics,
    topics_identity,
)
from services.eventlog.port import EventLog, Mark, Position, Recorded, Subscription

__all__ = ["KafkaEventLog", "KafkaSecurity", "ReplicationUnavailable", "TopicMismatch",
           "create_topics", "provision_topics"]

log = logging.getLogger(__name__)
KeyFn = Callable[[Envelope], str]
_CATCH_UP_CHUNK = 5000


def _stream_key(event: Envelope) -> str:
    return event.stream


@dataclass(slots=True)
class _Request:
    events: Sequence[Envelope]
    expect: Mapping[str, int]
    done: asyncio.Future[dict[str, Recorded]]  # the records this request wrote


@dataclass(slots=True)
class _Reserved:
    """What the requests accepted so far in a round are about to write."""

    ids: set[str] = field(default_factory=set)
    slots: set[tuple[str, int]] = field(default_factory=set)
    versions: dict[str, int] = field(default_factory=dict)


def _settle(
    request: _Request, *, wrote: dict[str, Recorded] | None = None,
    error: Exception | None = None,
) -> None:
    if request.done.done():  # the caller was cancelled meanwhile
        return
    if error is not None:
        request.done.set_exception(error)
    else:
        request.done.set_result(wrote or {})


async def _bounded_quietly(step: Awaitable[Any], timeout_s: float) -> None:
    """Shutdown steps: a dead broker must not block or fail shutdown. aiokafka's
    fetcher leaks the CancelledError of its own tasks out of `stop()` when the
    broker is gone; only a cancellation of *this* task is passed on."""
    try:
        await asyncio.wait_for(step, timeout_s)
    except asyncio.CancelledError:
        task = asyncio.current_task()
        if task is not None and task.cancelling():
            raise
    except Exception:  # noqa: S110 - nothing useful to do with it at shutdown
        pass


def _check(events: Sequence[Envelope], expect: Mapping[str, int], held: Held,
           reserved: _Reserved) -> list[Envelope]:
    """The events to write, or `ConcurrencyConflict` for the whole batch. `held` is
    what the writer index holds of the round's ids and streams, `reserved` what
    earlier requests of the same round will write."""

    def known(event_id: str) -> bool:
        return event_id in reserved.ids or event_id in held.ids

    def version(stream: str) -> int:
        return max(held.version(stream), reserved.versions.get(stream, 0))

    # a retry of a batch already written gets its duplicates, not a conflict
    retry = bool(events) and all(known(e.event_id) for e in events)
    for stream, expected in ({} if retry else expect).items():
        if version(stream) != expected:
            raise ConcurrencyConflict(stream, expected, version(stream))
    fresh = [e for e in events if not known(e.event_id)]
    seen: set[tuple[str, int]] = set()
    for e in fresh:
        slot = (e.stream, e.stream_version)
        if slot in reserved.slots or slot in seen or held.taken(*slot):
            raise ConcurrencyConflict(e.stream, e.stream_version - 1, version(e.stream))
        seen.add(slot)
    for e in fresh:
        reserved.ids.add(e.event_id)
        reserved.slots.add((e.stream, e.stream_version))
        reserved.versions[e.stream] = max(version(e.stream), e.stream_version)
    return fresh


class KafkaEventLog(EventLog):
    def __init__(
        self,
        bootstrap_servers: str,
        topics: Mapping[str, TopicSpec],
        key_for: KeyFn = _stream_key,
        *,
        client_id: str = "parlons",
        request_timeout_ms: int = 5000,
        session_timeout_ms: int = 10_000,
        heartbeat_interval_ms: int = 3000,
        rebalance_timeout_ms: int | None = None,
        linger_ms: int = 0,
        on_rewind: Callable[[list[str]], None] | None = None,
        security: KafkaSecurity | None = None,
        idempotent_producer: bool = False,
        index_recent: int = RECENT,
    ) -> None:
        no_topic_auto_creation()
        self._security = security or KafkaSecurity()
        self._on_rewind = on_rewind
        self._bootstrap = bootstrap_servers
        self._topics = dict(topics)
        self._key_for = key_for
        self._client_id = client_id
        self._timeout_s = request_timeout_ms / 1000
        self._group_config: dict[str, Any] = {
            "session_timeout_ms": session_timeout_ms,
            "heartbeat_interval_ms": heartbeat_interval_ms,
            "rebalance_timeout_ms": rebalance_timeout_ms or session_timeout_ms,
            "request_timeout_ms": max(request_timeout_ms, session_timeout_ms + 1000),
        }
        self._producer_config: dict[str, Any] = {
            "acks": "all",
            # aiokafka's idempotent producer does not start on Tansu (InitProducerId):
            # off by default, on with PARLONS_KAFKA_IDEMPOTENT_PRODUCER=1 on a real
            # Kafka, where it stops the producer's own retries from duplicating a
            # record. Event-id idempotence does not rest on it: a retry after an
            # unacknowledged send may duplicate a record, readers dedupe by event id.
            "enable_idempotence": idempotent_producer,
            "request_timeout_ms": request_timeout_ms,
            "linger_ms": linger_ms,
        }
        self._producer: AIOKafkaProducer | None = None
        self._reader: PartitionReader | None = None
        # The consumers' watermarks (their lag, `ends`) are fetched by a reader of
        # their own: one reader serialises its fetches, and twenty workers asking
        # their lag after each poll kept a decision's `read_stream` waiting ~0.4 s.
        self._watch: PartitionReader | None = None
        self._offsets: GroupOffsets | None = None  # the subscriptions' committed offsets
        self._index_recent = index_recent  # the index's events held as strings
        self._index = WriterIndex(recent=index_recent)
        self._ends: dict[TopicPartition, int] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        self._start_lock = asyncio.Lock()
        self._subscriptions: set[KafkaSubscription] = set()
        self._queue: list[_Request] = []
        self._rounds: asyncio.Task[None] | None = None
        # `_fresh` checks shared by the decisions waiting at the same moment: the
        # next check to run (joined by every caller until it starts) and the task
        # running them one after the other.
        self._next_check: asyncio.Future[None] | None = None
        self._checking: asyncio.Task[None] | None = None

    # -- lifecycle -------------------------------------------------------------
    async def start(self) -> None:
        async with self._start_lock:
            if self._producer is not None:
                return
            producer = AIOKafkaProducer(
                bootstrap_servers=self._bootstrap,
                client_id=self._client_id,
                **self._producer_config,
                **self._security.client_options(),
            )
            reader, watch = (PartitionReader(
                self._bootstrap,
                client_id=f"{self._client_id}{suffix}",
                timeout_s=self._timeout_s,
                metadata=producer.client.fetch_all_metadata,
                security=self._security,
            ) for suffix in ("", "-watch"))
            try:
                await asyncio.wait_for(producer.start(), self._timeout_s)
                await asyncio.wait_for(reader.start(), self._timeout_s)
                await asyncio.wait_for(watch.start(), self._timeout_s)
                await reader.check(self._topics)  # missing or mis-partitioned: refuse
            except (KafkaError, TimeoutError, OSError, EventLogUnavailable) as e:
                with contextlib.suppress(Exception):
                    await producer.stop()
                for r in (reader, watch):
                    with contextlib.suppress(Exception):
                        await r.close()
                if isinstance(e, EventLogUnavailable):
                    raise
                raise EventLogUnavailable(f"kafka on {self._bootstrap}: {e!r}") from e
            self._producer, self._reader, self._watch = producer, reader, watch
            self._offsets = GroupOffsets(self._bootstrap, client_id=self._client_id,
                                         timeout_s=self._timeout_s, security=self._security)

    async def close(self) -> None:
        producer, reader, watch = self._producer, self._reader, self._watch
        offsets, self._offsets = self._offsets, None
        self._producer = self._reader = self._watch = None
        closing: list[Awaitable[Any]] = [sub.close() for sub in list(self._subscriptions)]
        if self._rounds is not None and not self._rounds.done():
            closing.insert(0, self._rounds)
        if self._checking is not None and not self._checking.done():
            closing.insert(0, self._checking)
        if producer is not None:
            closing.append(producer.stop())
        for r in (reader, watch):
            if r is not None:
                closing.append(r.close())
        if offsets is not None:
            closing.append(offsets.close())
        for step in closing:
            await _bounded_quietly(step, self._timeout_s)

    async def ping(self) -> None:
        """Ready when a write could be made now: every topic of topics.yaml is there
        with its partition count and a leader for each partition (one metadata
        request); and, once the index is loaded, no partition ends below what it
        has seen (one fetch of the high watermarks): a broker back without its
        memory is found here, before the next write is decided on a stale index."""
        _, reader = await self._started()
        await reader.check(self._topics)
        seen = {TopicPartition(t, p): o for (t, p), o in self._index.next_offset.items()}
        if seen:  # from where the index stands: no old record is fetched again
            ends = await reader.highwaters(list(seen), seen)
            behind = self._index.behind(*_by_pair(ends, seen))
            if behind:
                self._rewound(behind)
                raise EventLogUnavailable("kafka: the log lost records: " + "; ".join(behind))

    def _rewound(self, what: list[str]) -> None:
        """The log went back: report it, and forget the index (the next append reads
        the log again; what it holds now is the truth)."""
        log.error("event log behind what this process had seen (broker amnesia or a "
                  "topic re-created)", extra={"partitions": what[:20]})
        self._index = WriterIndex(recent=self._index_recent)
        for r in (self._reader, self._watch):
            if r is not None:
                r.forget()
        if self._on_rewind is not None:
            self._on_rewind(what)

    async def _started(self) -> tuple[AIOKafkaProducer, PartitionReader]:
        if self._producer is None or self._reader is None:
            await self.start()
        assert self._producer is not None and self._reader is not None
        return self._producer, self._reader

    async def _watching(self) -> PartitionReader:
        await self._started()
        assert self._watch is not None
        return self._watch

    # -- append ----------------------------------------------------------------
    async def append(
        self, events: Sequence[Envelope], *, expect: Mapping[str, int] | None = None
    ) -> list[Recorded]:
        await self._started()
        await self._load_all()
        request = _Request(events, expect or {}, asyncio.get_running_loop().create_future())
        self._queue.append(request)
        if self._rounds is None or self._rounds.done():
            self._rounds = asyncio.create_task(self._write_rounds())
        wrote = await request.done
        originals = await self._originals([e for e in events if e.event_id not in wrote])
        return [wrote.get(e.event_id) or originals[e.event_id] for e in events]

    async def _write_rounds(self) -> None:
        """Group commit: the appends that queued up while a round was waiting for
        the broker go out together in the next round. Rounds are sequential, and
        each is checked, produced and acknowledged as a whole before the next, so
        the semantics are those of appends serialised one by one."""
        while self._queue:
            requests, self._queue = self._queue, []
            await self._write_round(requests)

    async def _write_round(self, requests: list[_Request]) -> None:
        topics = sorted({e.topic for r in requests for e in r.events})
        try:
            async with contextlib.AsyncExitStack() as held:
                for topic in topics:  # sorted: never waits on a catch-up in reverse order
                    await held.enter_async_context(self._lock(topic))
                for topic in topics:
                    await self._catch_up(topic)
                self._check_rewind()
                accepted: list[tuple[_Request, list[Envelope]]] = []
                reserved = _Reserved()
                indexed = self._index.look_up(
                    {e.event_id for r in requests for e in r.events},
                    {s for r in requests for s in (*(e.stream for e in r.events), *r.expect)})
                for r in requests:  # in arrival order, each sees the ones before it
                    try:
                        accepted.append((r, _check(r.events, r.expect, indexed, reserved)))
                    except ConcurrencyConflict as conflict:
                        _settle(r, error=conflict)
                written = await self._produce([e for _, f in accepted for e in f], topics)
                self._check_rewind()
            for r, fresh in accepted:
                _settle(r, wrote={e.event_id: written[e.event_id] for e in fresh})
        except Exception as e:
            for r in requests:
                _settle(r, error=e)

    def _check_rewind(self) -> None:
        """Fail the round if the index saw the log go back: what it decided on is
        gone. Its callers get 503; their retries are decided on the log re-read."""
        if self._index.rewound:
            what, self._index.rewound = self._index.rewound, []
            self._rewound(what)
            raise EventLogUnavailable("kafka: the log lost records it had: " + "; ".join(what))

    async def _produce(self, fresh: list[Envelope], topics: list[str]) -> dict[str, Recorded]:
        producer, _ = await self._started()
        now = datetime.now(UTC)
        stamped = [e.recorded(now) for e in fresh]

        async def send_all() -> list[Any]:
            futures = [
                await producer.send(
                    e.topic,
                    e.to_json(),
                    key=self._key_for(e).encode(),
                    headers=[("type", e.type.encode())],
                )
                for e in stamped
            ]
            return await asyncio.gather(*futures)

        try:
            acks = await asyncio.wait_for(send_all(), self._timeout_s * 2)
        except (KafkaError, TimeoutError, OSError) as e:
            # some records may have landed: re-read before the next check
            self._index.stale.update(topics)
            raise EventLogUnavailable(f"kafka append: {e!r}") from e
        written: dict[str, Recorded] = {}
        for event, meta in zip(stamped, acks, strict=True):
            where = Where(meta.topic, meta.partition, meta.offset)
            self._index.observe(event.event_id, event.stream, event.stream_version, where)
            written[event.event_id] = Recorded(
                event, meta.topic, meta.partition, meta.offset, self._key_for(event)
            )
        return written

    async def _originals(self, events: Sequence[Envelope]) -> dict[str, Recorded]:
        """The records already-written event ids hold in the log, by event id,
        fetched in runs of nearby offsets, each partition's next run in the same
        fetch: a resumed Pol.is import sends a chunk of 20,000 events it had
        written, and fetching each one's record alone (~30-50 ms a fetch on Tansu)
        held the import for minutes (ADR 0129)."""
        wanted: dict[TopicPartition, dict[int, str]] = {}
        for event in events:
            where = self._index.position(event.event_id)
            if where is None:
                raise EventLogUnavailable(f"event {event.event_id} is not in the index")
            wanted.setdefault(TopicPartition(where.topic, where.partition), {})[
                where.offset] = event.event_id
        if not wanted:
            return {}
        _, reader = await self._started()
        runs = {tp: [part for run in _runs(sorted(offsets))
                     for part in _within(run, _CATCH_UP_CHUNK)]
                for tp, offsets in wanted.items()}
        found: dict[str, Recorded] = {}
        while runs:
            batch = {tp: pending.pop(0) for tp, pending in runs.items()}
            runs = {tp: pending for tp, pending in runs.items() if pending}
            got, _ = await reader.fetch({tp: first for tp, (first, _) in batch.items()},
                                        limit=max(last - first + 1
                                                  for first, last in batch.values()))
            for tp, raws in got.items():
                for raw in raws:
                    event_id = wanted[tp].get(raw.offset)
                    if event_id is None or raw.offset > batch[tp][1]:
                        continue
                    rec = decode(raw)
                    if rec is not None and rec.event.event_id == event_id:
                        found[event_id] = Recorded(rec.event, rec.topic, rec.partition,
                                                   rec.offset, rec.key, duplicate=True)
        for tp, offsets in wanted.items():
            for offset, event_id in offsets.items():
                if event_id not in found:
                    raise EventLogUnavailable(
                        f"event {event_id} not found at {tp.topic}/{tp.partition}@{offset}")
        return found

    # -- the writer index ------------------------------------------------------
    def _lock(self, topic: str) -> asyncio.Lock:
        return self._locks.setdefault(topic, asyncio.Lock())

    async def _load_all(self) -> None:
        """First use: index every configured topic, so versions of any stream are
        known whatever topic the caller's `expect` is about."""
        for topic in sorted(self._topics):
            if topic not in self._index.loaded:
                async with self._lock(topic):
                    await self._catch_up(topic)

    async def _catch_up(self, topic: str) -> None:
        """Read what the index has not seen of `topic` (caller holds its lock)."""
        if not self._index.needs_catch_up(topic):
            return
        _, reader = await self._started()
        if topic in self._index.stale:  # after a failure: the topics may have changed
            await reader.check(self._topics)
        partitions = await reader.partitions(topic)
        starts = {
            TopicPartition(topic, p): o
            for p, o in self._index.start_of_unread(topic, partitions).items()
        }
        while True:
            got, ends = await reader.fetch(starts, limit=_CATCH_UP_CHUNK)
            for raw in (r for records in got.values() for r in records):
                if (fields := index_fields(raw)) is not None:
                    self._index.observe(*fields, Where(raw.topic, raw.partition, raw.offset))
            starts = {tp: got[tp][-1].offset + 1 for tp in starts if got[tp]}
            starts = {tp: o for tp, o in starts.items() if o < ends[tp]}
            if not starts:
                break
        self._index.caught_up(topic, {tp.partition: end for tp, end in ends.items()})

    # -- reading ---------------------------------------------------------------
    async def read(
        self, topic: str, *, start: Position | None = None, limit: int = 1000
    ) -> list[Recorded]:
        """A page shared among the partitions that still hold records: each round
        fetches an equal share of what is missing from each, until the page is full
        or every partition is read to its end. A page fetched `limit` records from
        every partition and kept one partition's: reading a twelve-partition topic
        whole fetched it twelve times over."""
        _, reader = await self._started()
        starts = {
            TopicPartition(topic, p): (start or {}).get(p, 0)
            for p in await reader.partitions(topic)
        }
        out: list[Recorded] = []
        fetched = 0
        while starts and fetched < limit:
            share = -(-(limit - fetched) // len(starts))
            got, ends = await reader.fetch(starts, limit=share)
            for tp in sorted(got):
                fetched += len(got[tp])
                out.extend(r for r in map(decode, got[tp]) if r is not None)
            # a partition that gave its whole share and is not at its end has more
            starts = {tp: got[tp][-1].offset + 1 for tp in starts
                      if len(got[tp]) == share and got[tp][-1].offset + 1 < ends[tp]}
        return out[:limit]

    async def events_at(self, marks: Sequence[Mark]) -> dict[Mark, str | None]:
        _, reader = await self._started()
        return await reader.events_at(marks)

    async def ends(self, topic: str) -> Position:
        reader = await self._watching()
        tps = [TopicPartition(topic, p) for p in await reader.partitions(topic)]
        # from the last ends seen: the fetch that finds the watermarks pulls no old record
        self._ends.update(await reader.highwaters(tps, self._ends))
        return {tp.partition: self._ends[tp] for tp in tps}

    async def size(self, topic: str) -> int:
        """Between each partition's first offset (retention drops the oldest
        records) and its end."""
        reader = await self._watching()
        tps = [TopicPartition(topic, p) for p in await reader.partitions(topic)]
        starts = await reader.lowwaters(tps)
        ends = await self.ends(topic)
        return sum(ends[tp.partition] - starts[tp] for tp in tps)

    async def identity(self) -> str:
        return await asyncio.to_thread(partial(topics_identity, security=self._security),
                                       self._bootstrap, self._topics)

    async def stream_version(self, stream: str) -> int:
        """The stream's version as the log holds it (`_fresh`): a handler expects it
        on its append, and an index behind another process's appends let a second
        event take the same version (an analyst's rename after the synthesis job
        completed the run was written, then ignored by the projection)."""
        _, reader = await self._indexed()
        await self._fresh(reader)
        return self._index.version(stream)

    async def read_stream(self, stream: str) -> list[Envelope]:
        """The stream's records fetched back from the positions the index holds. A
        stream's events share a partition (they share its key) and are often close
        together (a ballot changed three times in a minute): each run of nearby
        offsets comes back in one fetch rather than one fetch per event, which made
        a decision's cost grow with its stream's history. The index is first
        brought up to the log's end (`_fresh`): a decision reads the stream as the
        log holds it, whatever process wrote it."""
        _, reader = await self._indexed()
        await self._fresh(reader)
        wanted: dict[TopicPartition, set[int]] = {}
        for where in self._index.stream_positions(stream):
            wanted.setdefault(TopicPartition(where.topic, where.partition), set()).add(
                where.offset)
        out: dict[str, Envelope] = {}  # event id -> its first record (another
        # writer's duplicate of an event sits after it in the same partition)
        for tp, offsets in wanted.items():
            for first, last in _runs(sorted(offsets)):
                got, _ = await reader.fetch({tp: first}, limit=last - first + 1)
                for raw in got.get(tp, []):
                    if raw.offset in offsets and (rec := decode(raw)) is not None \
                            and rec.event.stream == stream:
                        out.setdefault(rec.event.event_id, rec.event)
        return sorted(out.values(), key=lambda e: e.stream_version)

    async def _fresh(self, reader: PartitionReader) -> None:
        """`_check_fresh`, shared: a caller joins the next check to start, never one
        already running (it may have fetched the watermarks before the caller's
        call, and missed an append acknowledged just before it), so every caller
        still reads the log as it was at least when it called. Concurrent
        decisions of a busy replica then cost one watermark fetch per round
        instead of one each (group commit's rule, applied to reads)."""
        if self._next_check is None:
            self._next_check = asyncio.get_running_loop().create_future()
            # a caller cancelled while waiting leaves nobody to read the outcome
            self._next_check.add_done_callback(
                lambda f: f.cancelled() or f.exception())
            if self._checking is None or self._checking.done():
                self._checking = asyncio.create_task(self._run_checks(reader))
        await asyncio.shield(self._next_check)

    async def _run_checks(self, reader: PartitionReader) -> None:
        while (round_ := self._next_check) is not None:
            self._next_check = None
            try:
                await self._check_fresh(reader)
            except BaseException as e:  # every caller of this round gets the outcome
                if not round_.done():
                    round_.set_exception(e)
                if isinstance(e, asyncio.CancelledError):
                    raise
            else:
                if not round_.done():
                    round_.set_result(None)

    async def _check_fresh(self, reader: PartitionReader) -> None:
        """Read what other processes appended since the index last looked: the
        index only follows this process's own appends, and a decision here often
        folds a stream another service's process writes (a moderator's claim
        folds the contribution the deposit replicas wrote; a front deciding a
        command reads streams the workers append to). One fetch of the high
        watermarks, then a catch-up of the topics that moved."""
        seen = {TopicPartition(t, p): o for (t, p), o in self._index.next_offset.items()}
        ends = await reader.highwaters(list(seen), seen)
        behind = self._index.behind(*_by_pair(ends, seen))
        if behind:  # as `ping`: nothing is decided on what the log no longer has
            self._rewound(behind)
            raise EventLogUnavailable("kafka: the log lost records: " + "; ".join(behind))
        for topic in sorted({tp.topic for tp, end in ends.items() if end > seen[tp]}):
            self._index.stale.add(topic)
            async with self._lock(topic):
                await self._catch_up(topic)

    async def prepare_to_decide(self) -> None:
        """The writer index loaded: every topic read up to its end (~95,000 events a
        second on Tansu; a ten-million-event log takes about two minutes)."""
        await self._indexed()

    async def take_over(self, topic: str) -> None:
        """A partition of `topic` was just assigned to this process (ADR 0035): its
        previous owner's writes may be beyond what the index saw. Marked stale,
        the topic is read up to its end before the next decision or append."""
        if topic in self._topics:
            self._index.stale.add(topic)

    async def _indexed(self) -> tuple[AIOKafkaProducer, PartitionReader]:
        """Started, with every topic's records observed up to its end."""
        started = await self._started()
        await self._load_all()
        for topic in sorted(self._index.stale):
            async with self._lock(topic):
                await self._catch_up(topic)
        return started

    # -- consumer groups -------------------------------------------------------
    async def subscribe(self, group: str, topics: Sequence[str]) -> Subscription:
        reader = await self._watching()
        consumer = AIOKafkaConsumer(
            bootstrap_servers=self._bootstrap,
            client_id=f"{self._client_id}-{group}",
            group_id=group,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            **self._group_config,
            **self._security.client_options(),
        )
        assert self._offsets is not None  # started with the readers
        sub = KafkaSubscription(consumer, group, tuple(topics), reader, self._offsets,
                                self._forget)
        await sub.start()
        self._subscriptions.add(sub)
        return sub

    async def groups_behind(self, groups: Mapping[str, Sequence[str]],
                            upto: Mapping[str, Position]) -> int:
        """The events below `upto` (topic -> partition -> offset) that the consumer
        groups (group -> its topics) have not committed, as `Subscription.behind`,
        read from outside the groups: no member joins (a subscription would take
        partitions from the workers); each group's committed offsets are asked for
        at once, one OffsetFetch request a group. What a front waits on for
        read-your-writes when the workers run in processes of their own (ADR 0036)."""
        reader = await self._watching()
        assert self._offsets is not None  # started with the readers
        offsets = self._offsets
        ends = {topic: {TopicPartition(topic, p): upto[topic].get(p, 0)
                        for p in await reader.partitions(topic)}
                for topic in sorted({t for topics in groups.values() for t in topics})
                if topic in upto}
        try:
            behind = await asyncio.gather(*(
                offsets.behind(group, {tp: end for t in topics if t in ends
                                       for tp, end in ends[t].items()})
                for group, topics in groups.items()))
        except (KafkaError, TimeoutError, OSError) as e:
            raise EventLogUnavailable(f"kafka committed offsets: {e!r}") from e
        return sum(behind)

    async def _forget(self, sub: KafkaSubscription) -> None:
        self._subscriptions.discard(sub)

    async def reset_group(self, group: str) -> None:
        """Delete the group's checkpoint so it replays from the start (the group
        must have no live member, as for kafka-consumer-groups --reset-offsets)."""
        await asyncio.to_thread(partial(delete_group, security=self._security),
                                self._bootstrap, group)


_RUN_GAP = 200  # records between two of a stream's events still fetched in one go


def _runs(offsets: Sequence[int]) -> list[tuple[int, int]]:
    """Sorted offsets grouped into (first, last) runs whose gaps stay under
    _RUN_GAP: one fetch each, never a long stretch of other streams' records."""
    runs: list[tuple[int, int]] = []
    for offset in offsets:
        if runs and offset - runs[-1][1] <= _RUN_GAP:
            runs[-1] = (runs[-1][0], offset)
        else:
            runs.append((offset, offset))
    return runs


def _within(run: tuple[int, int], size: int) -> list[tuple[int, int]]:
    """A run of offsets cut into runs of at most `size` records (a fetch's limit)."""
    first, last = run
    return [(start, min(start + size - 1, last)) for start in range(first, last + 1, size)]


def _by_pair(ends: dict[TopicPartition, int], seen: dict[TopicPartition, int]
             ) -> tuple[dict[tuple[str, int], int], dict[tuple[str, int], int]]:
    """The fetched ends and the index's offsets when they were asked, keyed as the
    index keys them."""
    return ({(tp.topic, tp.partition): e for tp, e in ends.items()},
            {(tp.topic, tp.partition): o for tp, o in seen.items()})
