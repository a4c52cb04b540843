"""The projection worker over the memory fakes: batching, commit after effects,
retries with backoff, outages told from poison, dead letters, graceful shutdown,
redelivery."""

from __future__ import annotations

import asyncio
import errno
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime

import pytest

from services.core.clock import FixedClock
from services.core.envelope import Actor, Envelope
from services.core.errors import EventLogUnavailable, StoreUnavailable
from services.core.schema_registry import SchemaRegistry
from services.eventlog.memory import MemoryEventLog
from services.eventlog.port import Batch, Recorded, Subscription
from services.runtime.metrics import Metrics
from services.runtime.worker import Worker, WorkerTuning
from services.search.errors import SearchUnavailable
from services.store.memory import MemoryReadStore
from services.store.port import StoreTx
from services.store.projection import Projection

T0 = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
TOPIC = "test.events"


def event(stream: str, version: int, x: int = 1, *, poison: bool = False) -> Envelope:
    return Envelope(
        type="test.Counted", schema_version=1, stream=stream, stream_version=version,
        data={"x": x, "poison": poison}, actor=Actor.system(), occurred_at=T0,
        correlation_id="corr-1",
    )


class TallyProjection(Projection):
    """Per-stream count and sum, plus a grand total: order-independent across
    streams, wrong if any event is applied twice or lost."""

    name = "test.tally"
    topics = (TOPIC,)
    tables = ("tallies",)

    def __init__(self, fail_first: int = 0) -> None:
        self.fail_first = fail_first
        self.calls = 0

    async def apply(self, event: Envelope, tx: StoreTx) -> None:
        self.calls += 1
        if self.calls <= self.fail_first:
            raise RuntimeError("transient trouble")
        if event.data["poison"]:
            raise ValueError(f"cannot count {event.stream}")
        doc = await tx.get("tallies", "streams", event.stream) or {"n": 0, "sum": 0}
        await tx.put("tallies", "streams", event.stream,
                     {"n": doc["n"] + 1, "sum": doc["sum"] + event.data["x"],
                      "last": event.stream_version})
        total = await tx.get("tallies", "all", "total") or {"n": 0}
        await tx.put("tallies", "all", "total", {"n": total["n"] + 1})


class RecordingSleep:
    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, delay: float) -> None:
        self.delays.append(delay)


async def dump(store: MemoryReadStore) -> list[tuple[str, str, dict[str, object]]]:
    return [row async for row in store.scan("tallies")]


def make_worker(
    projection: Projection, log: MemoryEventLog, store: MemoryReadStore, **tuning: float
) -> tuple[Worker, Metrics, RecordingSleep]:
    metrics, sleep = Metrics(), RecordingSleep()
    worker = Worker(
        projection, log=log, store=store, clock=FixedClock(T0), metrics=metrics,
        tuning=WorkerTuning(**{"poll_timeout": 0.01, **tuning}), sleep=sleep,
    )
    return worker, metrics, sleep


async def until_tallied(store: MemoryReadStore, total: int) -> None:
    """Wait (bounded) until a running tally worker has counted `total` events."""
    for _ in range(500):
        if await store.get("tallies", "all", "total") == {"n": total}:
            return
        await asyncio.sleep(0.01)


async def stop_after_idle_polls(worker: Worker, task: asyncio.Task[None]) -> None:
    await asyncio.sleep(0.05)  # a few idle polls more
    worker.stop()
    await asyncio.wait_for(task, timeout=5)


def metric(metrics: Metrics, name: str, subscription: str = "test.tally") -> float:
    value = metrics.registry.get_sample_value(name, {"subscription": subscription})
    return value or 0.0


async def test_polls_in_batches_and_projects_every_event() -> None:
    log, store = MemoryEventLog(), MemoryReadStore()
    await log.append([event("a", v, x=v) for v in range(1, 8)])
    worker, metrics, _ = make_worker(TallyProjection(), log, store, batch_size=3)
    sub = await log.subscribe("test.tally", [TOPIC])

    sizes = [await worker.run_once(sub) for _ in range(4)]

    assert sizes == [3, 3, 1, 0]
    assert await store.get("tallies", "streams", "a") == {"n": 7, "sum": 28, "last": 7}
    assert await sub.lag() == 0
    assert metric(metrics, "parlons_consumer_lag") == 0
    assert metric(metrics, "parlons_events_projected_total") == 7


class HoldingTally(TallyProjection):
    """Holds its batches' total back until told its time is up (as the search
    index holds vote counts, ADR 0108)."""

    def __init__(self) -> None:
        super().__init__()
        self.due = False
        self.ends = 0

    def flush_due(self) -> bool:
        return self.due

    async def end_batch(self, tx: StoreTx) -> None:
        self.ends += 1
        self.due = False


async def test_an_idle_worker_runs_an_empty_batch_when_its_projection_has_work_due() -> None:
    log, store = MemoryEventLog(), MemoryReadStore()
    projection = HoldingTally()
    worker, _, _ = make_worker(projection, log, store)
    sub = await log.subscribe("test.tally", [TOPIC])
    assert await worker.run_once(sub) == 0
    assert projection.ends == 0  # nothing due, nothing polled: no batch
    projection.due = True
    assert await worker.run_once(sub) == 0
    assert projection.ends == 1  # the empty batch that writes what was held
    assert await worker.run_once(sub) == 0
    assert projection.ends == 1


@pytest.mark.parametrize(("events", "batch_size", "lingers"), [
    (12, 500, [0.05]),  # a busy batch: the next one gathers for `linger`
    (3, 500, []),  # light traffic: every event projected as it comes
    (12, 12, []),  # a full batch: the worker is behind, it polls again at once
])
async def test_a_worker_lets_the_next_batch_gather_only_after_a_busy_one(
        events: int, batch_size: int, lingers: list[float]) -> None:
    log, store = MemoryEventLog(), MemoryReadStore()
    await log.append([event(f"s{i}", 1) for i in range(events)])
    worker, _, sleep = make_worker(TallyProjection(), log, store, batch_size=batch_size,
                                   busy_batch=8, linger=0.05)
    task = asyncio.create_task(worker.run())
    await until_tallied(store, events)
    await stop_after_idle_polls(worker, task)

    assert await store.get("tallies", "all", "total") == {"n": events}
    assert sleep.delays == lingers


class CommitSpy(Subscription):
    """Wraps a real subscription; records what the store held at each commit."""

    def __init__(self, inner: Subscription, store: MemoryReadStore) -> None:
        self.inner, self.store = inner, store
        self.group, self.topics = inner.group, inner.topics
        self.seen_at_commit: list[tuple[list[str], int]] = []

    async def poll(self, *, max_records: int = 500, timeout: float = 1.0) -> Batch:
        return await self.inner.poll(max_records=max_records, timeout=timeout)

    async def commit(self, batch: Batch) -> None:
        total = await self.store.get("tallies", "all", "total")
        self.seen_at_commit.append(
            ([r.event.stream for r in batch.records], total["n"] if total else 0))
        await self.inner.commit(batch)

    async def lag(self) -> int:
        return await self.inner.lag()

    async def close(self) -> None:
        await self.inner.close()


async def test_commits_only_after_the_batch_is_in_the_store() -> None:
    log, store = MemoryEventLog(), MemoryReadStore()
    await log.append([event(s, 1) for s in "abcde"])
    worker, _, _ = make_worker(TallyProjection(), log, store, batch_size=2)
    spy = CommitSpy(await log.subscribe("test.tally", [TOPIC]), store)

    for _ in range(3):
        await worker.run_once(spy)

    # at every commit, the store already counts every event up to that batch
    assert spy.seen_at_commit == [(["a", "b"], 2), (["c", "d"], 4), (["e"], 5)]


class LagCounter(CommitSpy):
    """Counts the lag readings (on Kafka, a broker request per partition each)."""

    def __init__(self, inner: Subscription, store: MemoryReadStore) -> None:
        super().__init__(inner, store)
        self.lag_readings = 0

    async def lag(self) -> int:
        self.lag_readings += 1
        return await self.inner.lag()


@pytest.mark.parametrize(("idle_lag_every", "readings"), [(60.0, 2), (0.0, 5)])
async def test_an_idle_worker_at_lag_zero_reads_its_lag_once_per_idle_lag_every(
        idle_lag_every: float, readings: int) -> None:
    log, store = MemoryEventLog(), MemoryReadStore()
    await log.append([event("a", 1)])
    worker, metrics, _ = make_worker(TallyProjection(), log, store,
                                     idle_lag_every=idle_lag_every)
    spy = LagCounter(await log.subscribe("test.tally", [TOPIC]), store)

    await worker.run_once(spy)  # a batch: read
    for _ in range(2):
        await worker.run_once(spy)  # idle at zero: the last reading stands
    await log.append([event("b", 1), event("c", 1)])
    await worker.run_once(spy)  # a batch again: read
    await worker.run_once(spy)

    assert spy.lag_readings == readings
    assert metric(metrics, "parlons_consumer_lag") == 0
    assert metric(metrics, "parlons_events_projected_total") == 3


async def test_retries_a_failing_batch_with_exponential_backoff() -> None:
    log, store = MemoryEventLog(), MemoryReadStore()
    await log.append([event("a", 1), event("b", 1)])
    worker, metrics, sleep = make_worker(
        TallyProjection(fail_first=3), log, store, retries=5, backoff_base=0.1, backoff_max=0.3)
    sub = await log.subscribe("test.tally", [TOPIC])

    await worker.run_once(sub)

    assert sleep.delays == [0.1, 0.2, 0.3]  # doubled, then capped
    assert metric(metrics, "parlons_handler_errors_total") == 3
    assert (await store.get("tallies", "all", "total")) == {"n": 2}
    assert await log.read("runtime.events") == []
    assert await sub.lag() == 0


async def test_a_poison_event_is_dead_lettered_with_its_error_and_skipped() -> None:
    log, store = MemoryEventLog(), MemoryReadStore()
    events = [event("a", 1), event("b", 1), event("c", 1, poison=True), event("a", 2)]
    recorded = await log.append(events)
    worker, metrics, _ = make_worker(TallyProjection(), log, store, retries=3)
    sub = await log.subscribe("test.tally", [TOPIC])

    await worker.run_once(sub)

    assert (await store.get("tallies", "all", "total")) == {"n": 3}  # everything else
    assert await store.get("tallies", "streams", "c") is None
    [letter] = await log.read("runtime.events")
    SchemaRegistry().validate(letter.event)  # a well-formed runtime.HandlingFailed
    assert letter.event.type == "runtime.HandlingFailed"
    assert letter.event.data == {
        "group": "test.tally", "failed_event_id": events[2].event_id,
        "failed_type": "test.Counted", "failed_topic": TOPIC, "failed_partition": 0,
        "failed_offset": recorded[2].offset, "attempts": 3,
        "error": "ValueError: cannot count c",
    }
    assert letter.event.causation_id == events[2].event_id
    assert await sub.lag() == 0  # skipped: the projection moves on
    assert metric(metrics, "parlons_dead_letters_total") == 1
    # 3 failed batch attempts, then 3 failed attempts of the poison event alone
    assert metric(metrics, "parlons_handler_errors_total") == 6


async def test_a_redelivered_poison_event_writes_no_second_dead_letter() -> None:
    log, store = MemoryEventLog(), MemoryReadStore()
    await log.append([event("c", 1, poison=True)])
    for _ in range(2):  # e.g. a crash between the dead letter and the commit
        worker, _, _ = make_worker(TallyProjection(), log, store, retries=1)
        sub = await log.subscribe("test.tally", [TOPIC])
        batch = await sub.poll(timeout=0.01)
        await worker._project(batch)
    assert len(await log.read("runtime.events")) == 1


class DownStore(MemoryReadStore):
    async def ping(self) -> None:
        raise ConnectionError("store down")

    def transaction(self):  # type: ignore[no-untyped-def]
        raise ConnectionError("store down")


async def test_a_store_outage_is_not_poison_and_shutdown_leaves_the_batch_uncommitted() -> None:
    log, store = MemoryEventLog(), DownStore()
    await log.append([event("a", 1)])
    worker, _, sleep = make_worker(TallyProjection(), log, store, retries=2)

    async def stop_after_a_while(delay: float) -> None:
        sleep.delays.append(delay)
        if len(sleep.delays) == 10:
            worker.stop()

    worker._sleep = stop_after_a_while
    await asyncio.wait_for(worker.run(), timeout=5)

    assert len(sleep.delays) == 10  # kept retrying beyond `retries` while the store was down
    assert await log.read("runtime.events") == []
    fresh = await log.subscribe("test.tally", [TOPIC])
    assert await fresh.lag() == 1  # not committed: redelivered once the store is back


class FullStore(MemoryReadStore):
    """A store whose disk is full for its first `failures` transactions, as the
    SQLite adapter reports it: the transaction fails with StoreUnavailable while
    `ping` (a read) still answers."""

    def __init__(self, failures: int) -> None:
        super().__init__()
        self.failures = failures

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[StoreTx]:
        async with super().transaction() as tx:
            if self.failures:
                self.failures -= 1
                raise StoreUnavailable("read store: database or disk is full")
            yield tx


async def test_a_full_store_is_waited_out_never_dead_lettered_and_applies_the_batch_once(
) -> None:
    log, store = MemoryEventLog(), FullStore(failures=12)
    await log.append([event("a", 1, x=2), event("b", 1, x=3), event("a", 2, x=4)])
    worker, metrics, sleep = make_worker(
        TallyProjection(), log, store, retries=2, backoff_base=0.1, backoff_max=0.4)
    sub = await log.subscribe("test.tally", [TOPIC])

    await worker.run_once(sub)

    assert await log.read("runtime.events") == []
    assert await dump(store) == [
        ("all", "total", {"n": 3}),
        ("streams", "a", {"n": 2, "sum": 6, "last": 2}),
        ("streams", "b", {"n": 1, "sum": 3, "last": 1}),
    ]
    assert sleep.delays == [0.1, 0.2] + [0.4] * 10  # far beyond `retries`, capped
    assert metric(metrics, "parlons_transient_errors_total") == 12
    assert metric(metrics, "parlons_handler_errors_total") == 0
    assert metric(metrics, "parlons_dead_letters_total") == 0
    assert await sub.lag() == 0


class Raising(TallyProjection):
    """Fails on every event of stream "c" with the given error."""

    def __init__(self, error: Exception) -> None:
        super().__init__()
        self.error = error

    async def apply(self, event: Envelope, tx: StoreTx) -> None:
        if event.stream == "c":
            raise self.error
        await super().apply(event, tx)


def _caused_by(error: Exception, cause: Exception) -> Exception:
    error.__cause__ = cause
    return error


@pytest.mark.parametrize("error", [
    StoreUnavailable("read store: disk I/O error"),
    EventLogUnavailable("event log write failed: database is locked"),
    SearchUnavailable("search index: IoError"),
    ConnectionRefusedError("broker"),
    TimeoutError(),
    OSError(errno.ENOSPC, "No space left on device"),
    _caused_by(RuntimeError("could not check"), StoreUnavailable("database is locked")),
], ids=["store", "log", "index", "connection", "timeout", "no-space", "raised-from-store"])
async def test_an_outage_is_retried_while_it_lasts_and_never_dead_lettered(
    error: Exception,
) -> None:
    log, store = MemoryEventLog(), MemoryReadStore()
    await log.append([event("a", 1), event("c", 1)])
    projection = Raising(error)
    worker, metrics, sleep = make_worker(projection, log, store, retries=2)

    async def outage_ends_after_a_while(delay: float) -> None:
        sleep.delays.append(delay)
        if len(sleep.delays) == 6:
            projection.error = ValueError("now poison")  # only to end the test
    worker._sleep = outage_ends_after_a_while
    sub = await log.subscribe("test.tally", [TOPIC])

    await worker.run_once(sub)

    assert metric(metrics, "parlons_transient_errors_total") == 6  # then the poison path
    [letter] = await log.read("runtime.events")
    assert letter.event.data["error"] == "ValueError: now poison"


@pytest.mark.parametrize("error", [
    ValueError("bad data"), KeyError("slug"), RuntimeError("bug"),
    FileNotFoundError(errno.ENOENT, "No such file"),
], ids=type)
async def test_a_failure_of_the_consumer_on_an_event_is_dead_lettered(error: Exception) -> None:
    log, store = MemoryEventLog(), MemoryReadStore()
    await log.append([event("a", 1), event("c", 1)])
    worker, metrics, sleep = make_worker(Raising(error), log, store, retries=2)
    sub = await log.subscribe("test.tally", [TOPIC])

    await worker.run_once(sub)

    [letter] = await log.read("runtime.events")
    assert letter.event.data["failed_event_id"] == (await log.read(TOPIC))[1].event.event_id
    assert (await store.get("tallies", "all", "total")) == {"n": 1}
    assert metric(metrics, "parlons_transient_errors_total") == 0
    assert metric(metrics, "parlons_handler_errors_total") == 4  # 2 for the batch, 2 alone
    assert len(sleep.delays) == 2


class GatedProjection(TallyProjection):
    def __init__(self) -> None:
        super().__init__()
        self.entered, self.release = asyncio.Event(), asyncio.Event()

    async def apply(self, event: Envelope, tx: StoreTx) -> None:
        self.entered.set()
        await self.release.wait()
        await super().apply(event, tx)


async def test_graceful_shutdown_finishes_and_commits_the_batch_in_hand() -> None:
    log, store = MemoryEventLog(), MemoryReadStore()
    projection = GatedProjection()
    worker, _, _ = make_worker(projection, log, store)
    task = asyncio.create_task(worker.run())
    await log.append([event("a", 1), event("b", 1)])
    await asyncio.wait_for(projection.entered.wait(), timeout=5)

    worker.stop()  # while the batch is being applied
    projection.release.set()
    await asyncio.wait_for(task, timeout=5)

    assert (await store.get("tallies", "all", "total")) == {"n": 2}
    fresh = await log.subscribe("test.tally", [TOPIC])
    assert await fresh.lag() == 0


class ScriptedSubscription(Subscription):
    """Delivers the given batches, then nothing: redelivery and reordering on demand.
    The records are the log's own (the worker checks the log holds what it read)."""

    def __init__(self, batches: Sequence[Sequence[Recorded]]) -> None:
        self.group, self.topics = "test.tally", (TOPIC,)
        self._batches = [Batch(list(b), {}) for b in batches]
        self.commits = 0

    async def poll(self, *, max_records: int = 500, timeout: float = 1.0) -> Batch:
        return self._batches.pop(0) if self._batches else Batch([], {})

    async def commit(self, batch: Batch) -> None:
        self.commits += 1

    async def lag(self) -> int:
        return len(self._batches)

    async def close(self) -> None:
        return None


@pytest.mark.parametrize("deliveries", [
    "twice in order",
    "twice, interleaved differently across streams",
    "overlapping batches, streams reordered",
])
async def test_redelivery_and_cross_key_reordering_leave_the_same_projection(
    deliveries: str,
) -> None:
    a = [event("a", v, x=v) for v in (1, 2, 3)]
    b = [event("b", v, x=10 * v) for v in (1, 2)]
    c = [event("c", 1, x=100)]
    in_order = [[*a, *b, *c]]
    scripts = {
        "twice in order": [[*a, *b, *c], [*a, *b, *c]],
        "twice, interleaved differently across streams": [
            [b[0], a[0], c[0], b[1]], [a[1], a[2]], [a[0], b[0], a[1], b[1], c[0], a[2]]],
        "overlapping batches, streams reordered": [
            [c[0], b[0]], [b[0], b[1], a[0]], [a[0], a[1]], [c[0], a[1], a[2], b[1]]],
    }
    reference = await _project_script(in_order)
    assert reference, "the reference projection is empty: the test would prove nothing"
    assert await _project_script(scripts[deliveries]) == reference


async def _project_script(
    batches: Sequence[Sequence[Envelope]],
) -> list[tuple[str, str, dict[str, object]]]:
    log, store = MemoryEventLog(), MemoryReadStore()
    worker, _, _ = make_worker(TallyProjection(), log, store)
    unique = {e.event_id: e for b in batches for e in b}
    recorded = {r.event.event_id: r for r in await log.append(
        sorted(unique.values(), key=lambda e: (e.stream, e.stream_version)))}
    sub = ScriptedSubscription([[recorded[e.event_id] for e in b] for b in batches])
    for _ in batches:
        await worker.run_once(sub)
    assert sub.commits == len(batches)
    return await dump(store)


def test_backoff_doubles_from_the_base_and_is_capped() -> None:
    tuning = WorkerTuning(backoff_base=0.5, backoff_max=3.0)
    assert [tuning.backoff(n) for n in (1, 2, 3, 4, 5)] == [0.5, 1.0, 2.0, 3.0, 3.0]
