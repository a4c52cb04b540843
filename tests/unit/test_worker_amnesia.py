"""A log that lost what its consumers saw (ADR 0032), over the memory fakes: the
worker refuses it before its first batch, notices it while running, the runner
stops every worker with a metric, and a search index built from another log is
rebuilt before the indexer consumes."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime

import pytest

from services.consultation.commands import CreateConsultation
from services.core.clock import FixedClock
from services.core.envelope import Actor, Envelope
from services.core.events import Meta
from services.eventlog.memory import MemoryEventLog
from services.eventlog.port import Batch, EventLog, Mark, Recorded, Subscription
from services.runtime.amnesia import LogBehind
from services.runtime.bootstrap import bootstrap
from services.runtime.metrics import Metrics
from services.runtime.runner import running
from services.runtime.settings import Settings
from services.runtime.worker import Worker, WorkerTuning
from services.search.indexer import SearchIndexer
from services.search.memory import MemorySearchIndex
from services.search.port import SearchDoc
from services.store.memory import MemoryReadStore
from services.store.port import StoreTx
from services.store.projection import Projection

T0 = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
TOPIC = "test.events"
ORGANISER = Meta(Actor("p-organiser", "organiser"))


def event(stream: str, version: int = 1) -> Envelope:
    return Envelope(type="test.Counted", schema_version=1, stream=stream,
                    stream_version=version, data={"x": 1}, actor=Actor.system(),
                    occurred_at=T0, correlation_id="corr-1")


class Counting(Projection):
    name = "test.count"
    topics = (TOPIC,)
    tables = ("counts",)

    async def apply(self, event: Envelope, tx: StoreTx) -> None:
        doc = await tx.get("counts", "all", "n") or {"n": 0}
        await tx.put("counts", "all", "n", {"n": doc["n"] + 1})


def worker(consumer: Projection, log: EventLog, store: MemoryReadStore,
           verify_every: float = 30.0) -> Worker:
    return Worker(consumer, log=log, store=store, clock=FixedClock(T0), metrics=Metrics(),
                  tuning=WorkerTuning(poll_timeout=0.01, verify_every=verify_every))


async def project_all(w: Worker, sub: Subscription) -> None:
    while await w.run_once(sub):
        pass


async def test_a_worker_refuses_a_log_that_lost_what_it_projected() -> None:
    store, old = MemoryReadStore(), MemoryEventLog()
    await old.append([event(s) for s in "abc"])
    first = worker(Counting(), old, store)
    await project_all(first, await old.subscribe("test.count", [TOPIC]))
    assert await store.get("counts", "all", "n") == {"n": 3}

    amnesiac = MemoryEventLog()  # the broker came back empty, then took a new write
    await amnesiac.append([event("d")])
    with pytest.raises(LogBehind) as behind:
        await worker(Counting(), amnesiac, store).run()

    [drift] = behind.value.drifts
    assert (drift.offset, drift.found) == (2, None)  # the log ends before what it read
    assert await store.get("counts", "all", "n") == {"n": 3}  # nothing projected over it


class Continuing(Subscription):
    """A cursor that went on at its offset in whatever log it now reads (a broker
    that lost records but kept the consumer's position): delivers `records`."""

    def __init__(self, records: list[Recorded]) -> None:
        self.group, self.topics = "test.count", (TOPIC,)
        self._records = records

    async def poll(self, *, max_records: int = 500, timeout: float = 1.0) -> Batch:
        got, self._records = self._records[:1], self._records[1:]
        return Batch(got, {})

    async def commit(self, batch: Batch) -> None:
        return None

    async def lag(self) -> int:
        return len(self._records)

    async def close(self) -> None:
        return None


class Swappable(MemoryEventLog):
    """One address, whose log can be replaced by another under a running worker."""

    def __init__(self) -> None:
        super().__init__()
        self.now: MemoryEventLog = self

    async def events_at(self, marks: Sequence[Mark]) -> dict[Mark, str | None]:
        if self.now is self:
            return await super().events_at(marks)
        return await self.now.events_at(marks)


@pytest.mark.parametrize("verify_every", [0.0, 3600.0])
async def test_a_log_replaced_while_running_is_noticed_by_the_periodic_check(
    verify_every: float,
) -> None:
    store, log = MemoryReadStore(), Swappable()
    await log.append([event(s) for s in "ab"])
    w = worker(Counting(), log, store, verify_every=verify_every)
    await project_all(w, await log.subscribe("test.count", [TOPIC]))

    log.now = MemoryEventLog()  # another log, longer than the old one
    recorded = await log.now.append([event(s) for s in "uvwxyz"])
    sub = Continuing(recorded[2:3])  # above the marks: nothing looks rewound
    if verify_every:  # checked an hour ago: it would go on with the other log
        assert await w.run_once(sub) == 1
        return
    with pytest.raises(LogBehind):
        await w.run_once(sub)
    assert await store.get("counts", "all", "n") == {"n": 2}


async def test_the_runner_stops_every_worker_and_alerts(tmp_path: object) -> None:
    settings = Settings(event_log="memory", read_store="memory", worker_poll_timeout=0.05)
    store, old = MemoryReadStore(), MemoryEventLog()
    before = bootstrap(settings, log=old, store=store, services=["consultation"])
    async with running(before):
        await before.handle(CreateConsultation("c-1", "Avant", "avant"), ORGANISER)
        for _ in range(200):
            if await store.get("consultation_detail", "all", "c-1"):
                break
            await asyncio.sleep(0.01)
        assert await store.get("consultation_detail", "all", "c-1")

    after = bootstrap(settings, log=MemoryEventLog(), store=store, services=["consultation"])
    async with running(after):
        await asyncio.wait_for(after.halted.wait(), 5)
        await after.handle(CreateConsultation("c-2", "Après", "apres"), ORGANISER)
        await asyncio.sleep(0.2)
        assert all(w.stopping for w in after.built_workers)
        assert await store.get("consultation_detail", "all", "c-2") is None
    behind = after.metrics.registry.get_sample_value(
        "parlons_log_behind", {"subscription": "consultation.catalogue"})
    assert behind == 1


async def test_a_search_index_built_from_another_log_is_rebuilt_first() -> None:
    store, log, index = MemoryReadStore(), MemoryEventLog(), MemorySearchIndex()
    stale = SearchDoc(id="from-an-older-log", title="Ancien", body="Venu d'un autre journal",
                      date="2026-01-01T00:00:00+00:00")
    await index.upsert([(stale, 7)])
    await index.set_origin("kafka:an-older-broker")

    first = worker(SearchIndexer(index), log, store)
    task = asyncio.create_task(first.run())
    for _ in range(200):
        if await index.origin() == await log.identity():
            break
        await asyncio.sleep(0.01)
    first.stop()
    await task

    assert await index.origin() == await log.identity()
    assert await index.count() == 0  # the older log's document is gone
    await index.upsert([(stale, 8)])  # built from this log now: a restart keeps it
    again = worker(SearchIndexer(index), log, store)
    task = asyncio.create_task(again.run())
    await asyncio.sleep(0.1)
    again.stop()
    await task
    assert await index.count() == 1
