"""The worker: a loop that only polls, delegates the batch to its consumer and
commits. A consumer is a projection (`project_batch`: one store transaction,
per-stream guards) or a process manager (`handle`: idempotent by the log's
keys). Business logic lives in the consumer, never here.

Semantics (ADRs 0006, 0031):
- the checkpoint is committed only after the batch's effects are durable (in the
  read store, or in the log for a process manager), so a crash means
  redelivery, which the guards or the log's keys absorb;
- a transient failure (`faults.is_transient`: the store, the log or the index
  cannot do its job right now, a connection refused, no room on the disk), or
  any failure while the store does not answer its ping, is an outage: the batch
  is retried with exponential backoff for as long as it lasts, each attempt
  counted (`parlons_transient_errors_total`) and logged as a warning, and nothing
  is ever dead-lettered for it; a stop during an outage leaves the batch
  uncommitted, for redelivery;
- any other failure is the consumer's on that batch: retried `retries` times
  with backoff, then its events are applied one by one, and an event that still
  fails `retries` times is written to `runtime.events` as a
  `runtime.HandlingFailed` dead letter and skipped, so one poison event cannot
  stop a projection (`parlons dead-letters list|replay` re-drives it once fixed);
- `stop` lets the current batch finish and commit, then the subscription closes;
- under load the loop pauses before its next poll, so that one larger batch gathers
  instead of several small ones: `linger` after a busy batch (`busy_batch` records or
  more, not full; ADR 0088), and for a projection with a `batch_every` (the search
  indexer, whose every batch ends with an index commit of fixed cost) until that long
  after a heavy batch started (`paced_batch` or more; ADR 0087); a light load (a
  person's action) never waits, a worker behind (full batches) never either, nor a
  caller draining the log with `run_once`;
- the log must still hold what the consumer has seen (ADR 0032): each batch
  writes the consumer's marks (the last record per partition) with its effects,
  and the marks are checked against the log before the first batch, whenever the
  cursor may have jumped (a new assignment, a record at or below a mark) and every
  `verify_every` seconds; a log that lost them raises `LogBehind`, which stops
  the worker. A projection whose outside view (the search index) was built from
  another log rebuilds it from this one before consuming.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial

from services.core.clock import Clock
from services.core.envelope import Envelope
from services.core.process import ProcessManager
from services.core.upcasting import upcast
from services.eventlog.port import Batch, EventLog, Mark, Position, Recorded, Subscription
from services.runtime.amnesia import (
    LogBehind,
    Marks,
    batch_marks,
    committed_drifts,
    drifts,
    load_marks,
    save_marks,
)
from services.runtime.dead_letters import write_letter
from services.runtime.faults import describe, is_transient
from services.runtime.metrics import Metrics
from services.runtime.replay import rebuild_projection
from services.store.port import ReadStore
from services.store.projection import Projection, project_batch

log = logging.getLogger("parlons.worker")

Sleep = Callable[[float], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class WorkerTuning:
    batch_size: int = 500
    poll_timeout: float = 0.5
    retries: int = 5
    backoff_base: float = 0.05
    backoff_max: float = 5.0
    verify_every: float = 30.0  # seconds between two checks of the marks (ADR 0032)
    # An idle worker at lag 0 re-reads its lag for the gauge at most this often: on
    # Kafka each reading asks the broker for the committed offset of every partition,
    # and a worker polling every few tens of ms flooded it (twenty workers in one
    # process made every ballot's append wait behind those requests).
    idle_lag_every: float = 1.0
    # Under load, let the next batch gather for `linger` seconds before polling it:
    # much of a batch's cost is per batch (a store transaction, a search index
    # commit), so a worker polling every few milliseconds paid it for a handful of
    # events each time. Only after a batch of at least `busy_batch` records (the
    # log is being written fast), never after a full one (the worker is behind)
    # nor when traffic is light, where each event is projected as it comes.
    busy_batch: int = 8
    linger: float = 0.05
    # A batch of at least this many records that did not fill `batch_size` says the
    # consumer is under heavy load: a projection with a `batch_every` (the search
    # indexer) then starts its next batch no sooner than that after this one started,
    # besides the linger (ADR 0087). Never after a full batch: the worker is behind.
    paced_batch: int = 64

    def backoff(self, attempt: int) -> float:
        """Delay after failed attempt number `attempt` (1-based)."""
        return float(min(self.backoff_max, self.backoff_base * 2 ** (attempt - 1)))


class _Interrupted(Exception):
    """Shutdown asked while the store or log is down: the batch stays uncommitted."""


Consumer = Projection | ProcessManager


class Worker:
    def __init__(
        self,
        consumer: Consumer,
        *,
        log: EventLog,
        store: ReadStore,
        clock: Clock,
        metrics: Metrics,
        tuning: WorkerTuning | None = None,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.consumer = consumer
        self._log = log
        self._store = store
        self._clock = clock
        self._metrics = metrics
        self._tuning = tuning or WorkerTuning()
        self._sleep = sleep
        self._stop = asyncio.Event()
        self._sub: Subscription | None = None
        self._marks: Marks = {}
        self._verified: tuple[int, float] | None = None  # (subscription epoch, when)
        self._lag_reported: tuple[int, float] | None = None  # (lag, when)
        self._every = consumer.batch_every if isinstance(consumer, Projection) else 0.0
        # the records a poll asks for: the worker's batch, or the projection's own
        # larger one for catching up (ADR 0132)
        self._batch_size = max(self._tuning.batch_size, consumer.catch_up_batch) \
            if isinstance(consumer, Projection) else self._tuning.batch_size
        metrics.subscription(self.group)  # its series exist, at zero, from the start

    @property
    def group(self) -> str:
        return self.consumer.name

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    async def wait_for_stop(self) -> None:
        await self._stop.wait()

    def stop(self) -> None:
        """Ask the loop to end after the batch in hand is committed."""
        self._stop.set()

    @property
    def subscribed(self) -> bool:
        """True once `run` holds its subscription (its lag means something)."""
        return self._sub is not None

    async def lag(self) -> int:
        """Events not yet projected, asked of the log now (the gauge may be a poll
        behind). 0 when the worker is not running."""
        return 0 if self._sub is None else await self._sub.lag()

    async def behind(self, upto: Mapping[str, Position]) -> int:
        """Events below `upto` not yet projected (`Subscription.behind`); 0 when
        the worker is not running."""
        return 0 if self._sub is None else await self._sub.behind(upto)

    async def run(self) -> None:
        await self._preflight()
        sub = self._sub = await self._log.subscribe(self.group, self.consumer.topics)
        log.info("worker started", extra={"subscription": self.group})
        try:
            await self._report_lag(sub)  # the gauge exists before the first event
            while not self._stop.is_set():
                started = asyncio.get_running_loop().time()
                await self._pause_after(await self.run_once(sub), started)
        except _Interrupted:
            log.warning("stopped during an outage: batch left for redelivery",
                        extra={"subscription": self.group})
        finally:
            self._sub = None
            await sub.close()
            log.info("worker stopped", extra={"subscription": self.group})

    async def run_once(self, sub: Subscription) -> int:
        """Poll one batch, project it, commit. Returns the number of records polled."""
        t = self._tuning
        batch = await sub.poll(max_records=self._batch_size, timeout=t.poll_timeout)
        polled = len(batch.records)
        if batch.records:
            await self._check_continuity(sub, batch)
            await self._project(batch)
        elif isinstance(self.consumer, Projection) and self.consumer.flush_due():
            await self._attempts(partial(self._consume, []))  # what it held back (ADR 0108)
        moved = bool(batch.records or batch.next_position)
        if moved:
            await sub.commit(batch)  # only now: the effects above are durable
        await self._report_lag(sub, moved=moved, busy=polled >= t.paced_batch)
        return len(batch.records)

    async def _pause_after(self, polled: int, started: float) -> None:
        """Under load, one pause before the next poll (`run` only: a caller draining
        the log with `run_once` never waits): `linger` after a busy batch, and for a
        projection with a `batch_every`, until that long after a heavy batch started
        (ADRs 0087, 0088). Never after a full batch: the worker is behind."""
        t = self._tuning
        if polled >= self._batch_size or self._stop.is_set():
            return
        wait = t.linger if polled >= t.busy_batch else 0.0
        if self._every and polled >= t.paced_batch:
            wait = max(wait, started + self._every - asyncio.get_running_loop().time())
        if wait > 0:
            await self._sleep(wait)

    # -- the log still holds what this consumer has seen (ADR 0032) ----------------
    async def _preflight(self) -> None:
        """Before joining: check the marks, then rebuild an outside view built from
        another log."""
        self._marks = await load_marks(self._store, self.group)
        self._verified = None
        found = await drifts(self._log, self.group, self._marks.values())
        if found:
            raise LogBehind(found)
        if isinstance(self.consumer, Projection):
            origin = await self.consumer.built_from()
            if origin is not None:
                identity = await self._log.identity()
                if origin != identity:
                    await self._rebuild_view(self.consumer, origin, identity)

    async def _rebuild_view(self, projection: Projection, origin: str, identity: str) -> None:
        log.warning("outside view built from another log: rebuilding it from this one",
                    extra={"subscription": self.group, "built_from": origin or "unknown",
                           "log": identity})
        read, applied = await rebuild_projection(self._log, self._store, projection)
        await projection.set_built_from(identity)
        self._marks = await load_marks(self._store, self.group)
        log.warning("outside view rebuilt", extra={"subscription": self.group,
                                                   "read": read, "applied": applied})

    async def _check_continuity(self, sub: Subscription, batch: Batch) -> None:
        """Check the marks if the cursor may have jumped, or some time went by."""
        now = time.monotonic()
        marks = self._marks
        rewound = any(r.offset <= marks[(r.topic, r.partition)].offset
                      for r in batch.records if (r.topic, r.partition) in marks)
        if not rewound and self._verified is not None:
            epoch, when = self._verified
            if epoch == sub.epoch and now - when < self._tuning.verify_every:
                return
        found = [*await drifts(self._log, self.group, marks.values()),
                 *await committed_drifts(self._log, sub)]
        if found:
            raise LogBehind(found)
        self._verified = (sub.epoch, now)

    def _remember(self, marks: Sequence[Mark]) -> None:
        for m in marks:
            key = (m.topic, m.partition)
            if key not in self._marks or m.offset > self._marks[key].offset:
                self._marks[key] = m

    async def _project(self, batch: Batch) -> None:
        error = await self._attempts(partial(self._consume, batch.records))
        if error is None:
            return
        log.warning("batch failed, isolating its events one by one",
                    extra={"subscription": self.group, "records": len(batch.records)})
        for record in batch.records:
            error = await self._attempts(partial(self._consume, [record]))
            if error is not None:
                await self._dead_letter(record, error)

    async def _consume(self, records: Sequence[Recorded]) -> int:
        marks = [m for m in batch_marks(records)
                 if (m.topic, m.partition) not in self._marks
                 or m.offset > self._marks[(m.topic, m.partition)].offset]
        applied = await consume(self.consumer, [r.event for r in records], self._store,
                                marks=marks)
        self._remember(marks)
        return applied

    async def _attempts(self, step: Callable[[], Awaitable[int]]) -> BaseException | None:
        """Run `step` until it succeeds or has failed `retries` times; returns the
        last error, or None. An outage is waited out: retried without end, its
        attempts not counted against `retries`."""
        attempt = outage = 0
        while True:
            try:
                applied = await step()
            except Exception as exc:
                if is_transient(exc) or not await self._store_is_up():
                    outage += 1
                    await self._wait_out(exc, outage)
                    continue
                outage = 0
                attempt += 1  # the consumer's failure on this batch: retried, then isolated
                self._metrics.handler_errors.labels(subscription=self.group).inc()
                log.warning("projection attempt failed", extra={
                    "subscription": self.group, "attempt": attempt, "error": describe(exc)})
                if attempt >= self._tuning.retries:
                    return exc
                await self._sleep(self._tuning.backoff(attempt))
                continue
            self._metrics.events_projected.labels(subscription=self.group).inc(applied)
            return None

    async def _wait_out(self, error: Exception, outage: int) -> None:
        """One transient failure: counted, logged, then a pause that doubles up to
        `backoff_max`. A stop asked meanwhile leaves the batch uncommitted."""
        self._metrics.transient_errors.labels(subscription=self.group).inc()
        delay = self._tuning.backoff(outage)
        log.warning("transient failure, retrying", extra={
            "subscription": self.group, "error_type": type(error).__name__,
            "error": describe(error), "attempt": outage, "retry_in_s": delay})
        if self._stop.is_set():
            raise _Interrupted from error
        await self._sleep(delay)

    async def _store_is_up(self) -> bool:
        try:
            await self._store.ping()
        except Exception:
            return False
        return True

    async def _dead_letter(self, record: Recorded, error: BaseException) -> None:
        # Its event id and expected version are derived from (group, event): a crash
        # before the commit re-sends the same letter, which the log turns into a no-op.
        attempt = 0
        while True:
            try:
                await write_letter(self._log, record, group=self.group,
                                   attempts=self._tuning.retries, error=describe(error),
                                   now=self._clock.now())
                break
            except Exception as exc:  # the log is down: the letter must not be lost
                attempt += 1
                self._metrics.transient_errors.labels(subscription=self.group).inc()
                log.error("cannot write dead letter, retrying",
                          extra={"subscription": self.group, "error": describe(exc)})
                if self._stop.is_set():
                    raise _Interrupted from exc  # leave the batch uncommitted
                await self._sleep(self._tuning.backoff(attempt))
        self._metrics.dead_letters.labels(subscription=self.group).inc()
        log.error("event dead-lettered", extra={
            "subscription": self.group, "event_id": record.event.event_id,
            "error": describe(error)})

    async def _report_lag(self, sub: Subscription, *, moved: bool = True,
                          busy: bool = False) -> None:
        """The gauge after a poll; an idle poll after a zero reading reuses it for
        `idle_lag_every` seconds (a lag seen above zero is read again each poll),
        and so does a heavy batch (`paced_batch` records or more: under load, one
        reading a second rather than one per batch, a thread hop and a count in the
        log each; the first idle poll after the load reads it again, ADR 0087)."""
        now = asyncio.get_running_loop().time()
        last = self._lag_reported
        if (last is not None and now - last[1] < self._tuning.idle_lag_every
                and ((not moved and last[0] == 0) or (moved and busy))):
            return
        try:
            lag = await sub.lag()
        except Exception:  # metrics must never stop the loop
            return
        self._lag_reported = (lag, now)
        self._metrics.consumer_lag.labels(subscription=self.group).set(lag)


async def consume(consumer: Consumer, events: Sequence[Envelope], store: ReadStore, *,
                  marks: Sequence[Mark] = ()) -> int:
    """Hand one batch to a consumer; returns how many events took effect. `marks`
    (where the batch ends in the log) are stored with a projection's effects, and
    after a process manager's."""
    if isinstance(consumer, ProcessManager):
        await consumer.handle([upcast(e) for e in events])
        if marks:
            async with store.transaction() as tx:
                await save_marks(tx, consumer.name, marks)
        return len(events)
    return await project_batch(consumer, events, store, within=partial(
        save_marks, consumer=consumer.name, marks=marks) if marks else None)
