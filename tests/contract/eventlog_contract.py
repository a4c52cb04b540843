"""The event-log contract (services/eventlog/port.py), run against every adapter.

Subclass `EventLogContract` once per adapter in `test_eventlog_<adapter>.py` and
implement `make_log()`. The suite never assumes an empty log: one broker may serve
a whole session, so every test writes to streams of its own, uses consumer groups
of its own, and reads from the positions `append` returned or filters by stream.
Waits are bounded by `wait_seconds`; adapters whose consumer groups join slowly
(Kafka on Tansu) raise it and `poll_timeout`.
"""

from __future__ import annotations

import asyncio
import dataclasses
import time
import uuid
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Iterable
from datetime import UTC, datetime
from typing import ClassVar

import pytest

from services.core.envelope import Actor, Envelope
from services.core.errors import ConcurrencyConflict
from services.eventlog.port import (
    Batch,
    EventLog,
    Mark,
    Position,
    Recorded,
    Subscription,
    read_all,
)

TOPIC = "consultation.events"
OTHER_TOPIC = "runtime.events"


def new_stream() -> str:
    return f"consultation-{uuid.uuid4().hex}"


def new_group() -> str:
    return f"contract-{uuid.uuid4().hex}"


def created(stream: str, version: int = 1) -> Envelope:
    """A real, schema-valid `consultation.ConsultationCreated` event."""
    return Envelope(
        type="consultation.ConsultationCreated",
        schema_version=1,
        stream=stream,
        stream_version=version,
        data={
            "consultation_id": stream,
            "title": f"Consultation n°{version} : « été » à Zürich",
            "slug": f"consultation-{version}",
            "summary": "Comment améliorer la vie du quartier ?",
        },
        actor=Actor("p-organiser", "organiser"),
        occurred_at=datetime(2026, 11, 28, 9, 30, 0, 123456, tzinfo=UTC),
        correlation_id=f"corr-{uuid.uuid4().hex}",
        causation_id=None,
        consultation_id=stream,
    )


def handling_failed(stream: str, version: int = 1) -> Envelope:
    """A real `runtime.HandlingFailed` event: it lives on another topic."""
    return Envelope(
        type="runtime.HandlingFailed",
        schema_version=1,
        stream=stream,
        stream_version=version,
        data={
            "group": "contract",
            "failed_event_id": str(uuid.uuid4()),
            "failed_type": "consultation.ConsultationCreated",
            "failed_topic": TOPIC,
            "failed_partition": 0,
            "failed_offset": 0,
            "attempts": 1,
            "error": "KeyError: 'slug'",
        },
        actor=Actor.system(),
        occurred_at=datetime(2026, 11, 28, 9, 31, tzinfo=UTC),
        correlation_id=f"corr-{uuid.uuid4().hex}",
    )


def start_of(records: Iterable[Recorded]) -> Position:
    """The earliest position covering `records`, per partition."""
    start: Position = {}
    for r in records:
        start[r.partition] = min(start.get(r.partition, r.offset), r.offset)
    return start


def without_recorded_at(event: Envelope) -> Envelope:
    return dataclasses.replace(event, recorded_at=None)


class EventLogContract(ABC):
    poll_timeout: ClassVar[float] = 0.5
    wait_seconds: ClassVar[float] = 10.0

    @abstractmethod
    async def make_log(self) -> EventLog:
        """A log ready to start; the suite starts and closes it."""

    @pytest.fixture
    async def log(self) -> AsyncIterator[EventLog]:
        log = await self.make_log()
        await log.start()
        try:
            yield log
        finally:
            await log.close()

    # -- helpers -------------------------------------------------------------
    async def read_all(
        self, log: EventLog, topic: str, start: Position, streams: set[str]
    ) -> list[Recorded]:
        """Every record of `streams` in `topic` from `start`, paging by position."""
        position = dict(start)
        out: list[Recorded] = []
        deadline = time.monotonic() + self.wait_seconds
        while time.monotonic() < deadline:
            page = await log.read(topic, start=position, limit=500)
            if not page:
                return out
            for r in page:
                position[r.partition] = max(position.get(r.partition, 0), r.offset + 1)
            out.extend(r for r in page if r.event.stream in streams)
        raise AssertionError("read_all did not reach the end of the topic in time")

    async def deliver(
        self, sub: Subscription, want: set[str], *, commit: bool
    ) -> list[Recorded]:
        """Poll until every event id in `want` was delivered; return the delivered
        records among `want`, in delivery order (repeats included)."""
        seen: list[Recorded] = []
        missing = set(want)
        deadline = time.monotonic() + self.wait_seconds
        while missing:
            if time.monotonic() > deadline:
                raise AssertionError(f"{len(missing)} events never delivered")
            batch = await sub.poll(max_records=100, timeout=self.poll_timeout)
            ours = [r for r in batch.records if r.event.event_id in want]
            seen.extend(ours)
            missing -= {r.event.event_id for r in ours}
            if commit and batch.records:
                await sub.commit(batch)
        return seen

    async def drain(self, sub: Subscription, *, commit: bool) -> list[Batch]:
        """Poll until a poll comes back empty."""
        batches: list[Batch] = []
        deadline = time.monotonic() + self.wait_seconds
        while time.monotonic() < deadline:
            batch = await sub.poll(max_records=500, timeout=self.poll_timeout)
            if not batch.records:
                return batches
            batches.append(batch)
            if commit:
                await sub.commit(batch)
        raise AssertionError("the subscription never ran dry")

    # -- append and read -----------------------------------------------------
    async def test_append_then_read_back_round_trips_the_envelope(self, log: EventLog) -> None:
        stream = new_stream()
        events = [created(stream, v) for v in (1, 2, 3)]
        recorded = await log.append(events)

        assert [r.event.event_id for r in recorded] == [e.event_id for e in events]
        assert all(r.topic == TOPIC and not r.duplicate for r in recorded)
        assert all(r.key == stream for r in recorded)  # consultation.events: keyed by stream
        for r, e in zip(recorded, events, strict=True):
            assert r.event.recorded_at is not None
            assert r.event.recorded_at.tzinfo is not None
            assert without_recorded_at(r.event) == e
        back = await self.read_all(log, TOPIC, start_of(recorded), {stream})
        assert back == recorded  # same envelope, recorded_at, offsets and keys
        assert await log.stream_version(stream) == 3

    async def test_offsets_increase_in_append_order(self, log: EventLog) -> None:
        stream = new_stream()
        first = await log.append([created(stream, 1), created(stream, 2)])
        second = await log.append([created(stream, 3)])
        offsets = [r.offset for r in first + second]
        assert offsets == sorted(offsets)
        assert len(set(offsets)) == 3

    async def test_read_starts_at_the_given_position(self, log: EventLog) -> None:
        stream = new_stream()
        recorded = await log.append([created(stream, v) for v in range(1, 6)])
        third = recorded[2]
        back = await self.read_all(log, TOPIC, {third.partition: third.offset}, {stream})
        assert [r.event.stream_version for r in back] == [3, 4, 5]
        page = await log.read(TOPIC, start={third.partition: third.offset}, limit=2)
        assert 1 <= len(page) <= 2
        assert all(r.offset >= third.offset for r in page if r.partition == third.partition)

    async def test_read_all_pages_through_a_topic_whose_offsets_have_gaps(
        self, log: EventLog
    ) -> None:
        stream, other = new_stream(), new_stream()
        for v in range(1, 4):  # another topic's events in between: gaps in SQLite offsets
            await log.append([created(stream, v)])
            await log.append([handling_failed(other, v)])
        found = [r.event.stream_version async for r in read_all(log, TOPIC, page=1)
                 if r.event.stream == stream]
        assert found == [1, 2, 3]

    async def test_an_unknown_stream_is_at_version_zero(self, log: EventLog) -> None:
        assert await log.stream_version(new_stream()) == 0
        assert await log.read_stream(new_stream()) == []

    async def test_read_stream_gives_one_streams_history_in_version_order(
        self, log: EventLog
    ) -> None:
        """What a handler folds to decide (ADR 0030): every acknowledged event of
        the stream, at once after the append, and nothing of other streams."""
        stream, other = new_stream(), new_stream()
        await log.append([created(stream, 1), created(stream, 2)])
        await log.append([created(other, 1)])
        await log.append([created(stream, 3)])
        [dup] = await log.append([created(stream, 4)])
        await log.append([dup.event])  # a retry writes nothing, reads nothing twice
        history = await log.read_stream(stream)
        assert [e.stream_version for e in history] == [1, 2, 3, 4]
        assert all(e.stream == stream for e in history)
        assert history[-1].event_id == dup.event.event_id

    async def test_a_stream_and_another_streams_version_are_read_together(
        self, log: EventLog
    ) -> None:
        """What a ballot's decision reads (ADR 0097): its stream's history and its
        phase's frozen-results stream's version, as the two reads would give them."""
        stream, other = new_stream(), new_stream()
        assert await log.read_stream_and_version(stream, other) == ([], 0)
        await log.append([created(other, 1), created(other, 2)])
        assert await log.read_stream_and_version(stream, other) == ([], 2)
        await log.append([created(stream, 1), created(stream, 2)])
        await log.append([created(stream, 3)])
        history, version = await log.read_stream_and_version(stream, other)
        assert history == await log.read_stream(stream)
        assert [e.stream_version for e in history] == [1, 2, 3]
        assert version == 2
        assert await log.read_stream_and_version(stream, new_stream()) == (history, 0)
        assert await log.read_stream_and_version(stream, stream) == (history, 3)

    # -- idempotence ---------------------------------------------------------
    async def test_appending_an_event_id_again_writes_nothing(self, log: EventLog) -> None:
        stream = new_stream()
        event = created(stream, 1)
        [first] = await log.append([event])
        [again] = await log.append([event])

        assert again.duplicate and not first.duplicate
        assert (again.topic, again.partition, again.offset) == (
            first.topic, first.partition, first.offset)
        assert again.event == first.event  # the original record, recorded_at included
        back = await self.read_all(log, TOPIC, start_of([first]), {stream})
        assert [r.event.event_id for r in back] == [event.event_id]

    async def test_a_batch_mixing_known_and_new_events_writes_only_the_new(
        self, log: EventLog
    ) -> None:
        stream = new_stream()
        one = created(stream, 1)
        await log.append([one])
        two = created(stream, 2)
        out = await log.append([one, two])
        assert [r.duplicate for r in out] == [True, False]
        back = await self.read_all(log, TOPIC, start_of(out), {stream})
        assert [r.event.event_id for r in back] == [one.event_id, two.event_id]

    async def test_retrying_a_whole_batch_with_its_expectation_reports_duplicates(
        self, log: EventLog
    ) -> None:
        # A client retrying after a lost acknowledgement must not see a conflict.
        stream = new_stream()
        batch = [created(stream, 1), created(stream, 2)]
        first = await log.append(batch, expect={stream: 0})
        again = await log.append(batch, expect={stream: 0})
        assert all(r.duplicate for r in again)
        assert [r.offset for r in again] == [r.offset for r in first]

    # -- optimistic concurrency ------------------------------------------------
    async def test_expected_version_conflict_writes_nothing_of_the_batch(
        self, log: EventLog
    ) -> None:
        stream, bystander = new_stream(), new_stream()
        recorded = await log.append([created(stream, 1), created(stream, 2)], expect={stream: 0})

        with pytest.raises(ConcurrencyConflict) as info:
            await log.append(
                [created(bystander, 1), created(stream, 3)], expect={stream: 1, bystander: 0}
            )
        assert (info.value.stream, info.value.expected, info.value.actual) == (stream, 1, 2)
        assert await log.stream_version(bystander) == 0
        assert await log.stream_version(stream) == 2
        back = await self.read_all(log, TOPIC, start_of(recorded), {stream, bystander})
        assert [(r.event.stream, r.event.stream_version) for r in back] == [
            (stream, 1), (stream, 2)]

    async def test_expecting_the_current_version_succeeds(self, log: EventLog) -> None:
        stream = new_stream()
        await log.append([created(stream, 1)], expect={stream: 0})
        out = await log.append([created(stream, 2)], expect={stream: 1})
        assert not out[0].duplicate
        assert await log.stream_version(stream) == 2

    async def test_two_events_never_share_a_stream_version(self, log: EventLog) -> None:
        stream = new_stream()
        recorded = await log.append([created(stream, 1)])
        with pytest.raises(ConcurrencyConflict):
            await log.append([created(stream, 1)])  # another event id, same slot
        back = await self.read_all(log, TOPIC, start_of(recorded), {stream})
        assert [r.event.event_id for r in back] == [recorded[0].event.event_id]

    async def test_a_taken_slot_refuses_the_whole_batch(self, log: EventLog) -> None:
        taken, fresh = new_stream(), new_stream()
        recorded = await log.append([created(taken, 1)])
        with pytest.raises(ConcurrencyConflict):
            await log.append([created(fresh, 1), created(fresh, 2), created(taken, 1)])
        assert await log.stream_version(fresh) == 0
        back = await self.read_all(log, TOPIC, start_of(recorded), {taken, fresh})
        assert [r.event.stream for r in back] == [taken]

    async def test_racing_writers_of_one_slot_exactly_one_wins(self, log: EventLog) -> None:
        stream = new_stream()
        contenders = [created(stream, 1) for _ in range(10)]
        results = await asyncio.gather(
            *(log.append([e]) for e in contenders), return_exceptions=True
        )
        winners = [r for r in results if isinstance(r, list)]
        losers = [r for r in results if isinstance(r, BaseException)]
        assert len(winners) == 1
        assert all(isinstance(r, ConcurrencyConflict) for r in losers)
        back = await self.read_all(log, TOPIC, start_of(winners[0]), {stream})
        assert len(back) == 1

    # -- ordering and concurrency ------------------------------------------------
    async def test_per_key_order_holds_with_many_keys_interleaved(self, log: EventLog) -> None:
        streams = [new_stream() for _ in range(8)]
        recorded: list[Recorded] = []
        for version in range(1, 11):
            for s in streams:  # interleave: s1v1, s2v1, ..., s1v2, ...
                recorded += await log.append([created(s, version)])
        back = await self.read_all(log, TOPIC, start_of(recorded), set(streams))
        assert len(back) == len(recorded)
        for s in streams:
            versions = [r.event.stream_version for r in back if r.event.stream == s]
            assert versions == list(range(1, 11))

    async def test_concurrent_appends_all_land_exactly_once(self, log: EventLog) -> None:
        streams = [new_stream() for _ in range(40)]

        async def writer(stream: str) -> list[Recorded]:
            out: list[Recorded] = []
            for version in (1, 3):
                out += await log.append(
                    [created(stream, version), created(stream, version + 1)],
                    expect={stream: version - 1},
                )
            return out

        results = await asyncio.gather(*(writer(s) for s in streams))
        recorded = [r for rs in results for r in rs]
        assert len(recorded) == 160
        back = await self.read_all(log, TOPIC, start_of(recorded), set(streams))
        ids = [r.event.event_id for r in back]
        assert sorted(ids) == sorted(r.event.event_id for r in recorded)
        assert len(set((r.partition, r.offset) for r in back)) == 160
        for s in streams:
            assert await log.stream_version(s) == 4

    async def test_concurrent_retries_of_the_same_events_land_once(self, log: EventLog) -> None:
        events = [created(new_stream(), 1) for _ in range(20)]
        results = await asyncio.gather(*(log.append([e]) for e in events + events))
        recorded = [r for rs in results for r in rs]
        assert sum(not r.duplicate for r in recorded) == 20
        back = await self.read_all(
            log, TOPIC, start_of(recorded), {e.stream for e in events})
        assert sorted(r.event.event_id for r in back) == sorted(e.event_id for e in events)

    # -- subscriptions ---------------------------------------------------------
    async def test_a_subscription_delivers_appended_events(self, log: EventLog) -> None:
        stream = new_stream()
        recorded = await log.append([created(stream, v) for v in (1, 2, 3)])
        sub = await log.subscribe(new_group(), [TOPIC])
        try:
            seen = await self.deliver(sub, {r.event.event_id for r in recorded}, commit=False)
        finally:
            await sub.close()
        first_delivery = list(dict.fromkeys(r.event.stream_version for r in seen))
        assert first_delivery == [1, 2, 3]
        assert seen[0] == recorded[0]

    async def test_a_subscription_sees_events_appended_while_it_waits(
        self, log: EventLog
    ) -> None:
        stream = new_stream()
        sub = await log.subscribe(new_group(), [TOPIC])
        try:
            await self.drain(sub, commit=True)  # history of other tests, if any
            later = created(stream, 1)

            async def append_soon() -> None:
                await asyncio.sleep(0.05)
                await log.append([later])

            task = asyncio.create_task(append_soon())
            seen = await self.deliver(sub, {later.event_id}, commit=False)
            await task
        finally:
            await sub.close()
        assert [r.event.event_id for r in seen] == [later.event_id]

    async def test_a_subscription_covers_several_topics(self, log: EventLog) -> None:
        stream = new_stream()
        recorded = await log.append([created(stream, 1)])
        recorded += await log.append([handling_failed(new_stream(), 1)])
        sub = await log.subscribe(new_group(), [TOPIC, OTHER_TOPIC])
        try:
            seen = await self.deliver(sub, {r.event.event_id for r in recorded}, commit=False)
        finally:
            await sub.close()
        assert {r.topic for r in seen} == {TOPIC, OTHER_TOPIC}

    async def test_a_new_subscription_resumes_after_the_checkpoint(self, log: EventLog) -> None:
        group, stream = new_group(), new_stream()
        before = await log.append([created(stream, v) for v in (1, 2, 3)])
        sub = await log.subscribe(group, [TOPIC])
        try:
            await self.deliver(sub, {r.event.event_id for r in before}, commit=True)
        finally:
            await sub.close()

        after = await log.append([created(stream, v) for v in (4, 5)])
        sub = await log.subscribe(group, [TOPIC])
        try:
            seen = await self.deliver(sub, {r.event.event_id for r in after}, commit=False)
            seen += [r for b in await self.drain(sub, commit=False) for r in b.records]
        finally:
            await sub.close()
        old = {r.event.event_id for r in before}
        assert not [r for r in seen if r.event.event_id in old]

    async def test_an_uncommitted_batch_is_delivered_again(self, log: EventLog) -> None:
        group, stream = new_group(), new_stream()
        recorded = await log.append([created(stream, 1)])
        want = {recorded[0].event.event_id}
        sub = await log.subscribe(group, [TOPIC])
        try:
            await self.deliver(sub, want, commit=False)
        finally:
            await sub.close()
        sub = await log.subscribe(group, [TOPIC])
        try:
            assert await self.deliver(sub, want, commit=False)  # at least once
        finally:
            await sub.close()

    async def test_reset_group_replays_from_the_start(self, log: EventLog) -> None:
        group, stream = new_group(), new_stream()
        recorded = await log.append([created(stream, v) for v in (1, 2)])
        want = {r.event.event_id for r in recorded}
        sub = await log.subscribe(group, [TOPIC])
        try:
            await self.deliver(sub, want, commit=True)
            await self.drain(sub, commit=True)
        finally:
            await sub.close()

        await log.reset_group(group)
        sub = await log.subscribe(group, [TOPIC])
        try:
            replayed = await self.deliver(sub, want, commit=False)
        finally:
            await sub.close()
        assert {r.event.event_id for r in replayed} == want

    async def test_groups_are_independent(self, log: EventLog) -> None:
        stream = new_stream()
        recorded = await log.append([created(stream, v) for v in (1, 2)])
        want = {r.event.event_id for r in recorded}
        first = await log.subscribe(new_group(), [TOPIC])
        try:
            await self.deliver(first, want, commit=True)
        finally:
            await first.close()
        second = await log.subscribe(new_group(), [TOPIC])
        try:
            seen = await self.deliver(second, want, commit=False)
        finally:
            await second.close()
        assert {r.event.event_id for r in seen} == want

    async def test_lag_decreases_after_commit(self, log: EventLog) -> None:
        stream = new_stream()
        recorded = await log.append([created(stream, v) for v in (1, 2, 3)])
        sub = await log.subscribe(new_group(), [TOPIC])
        try:
            batches: list[Batch] = []
            want = {r.event.event_id for r in recorded}
            deadline = time.monotonic() + self.wait_seconds
            while want and time.monotonic() < deadline:
                batch = await sub.poll(max_records=100, timeout=self.poll_timeout)
                batches.append(batch)
                want -= {r.event.event_id for r in batch.records}
            assert not want, "events never delivered"
            lag_before = await sub.lag()
            for batch in batches:
                if batch.records:
                    await sub.commit(batch)
            lag_after = await sub.lag()
        finally:
            await sub.close()
        assert lag_before >= 3
        assert 0 <= lag_after < lag_before

    async def test_behind_counts_only_what_precedes_the_position_given(
            self, log: EventLog) -> None:
        # what a read-your-writes wait asks (ADR 0036): records appended after the
        # position it took do not count
        stream = new_stream()
        await log.append([created(stream, v) for v in (1, 2)])
        upto = {TOPIC: await log.ends(TOPIC)}
        await log.append([created(stream, 3)])
        sub = await log.subscribe(new_group(), [TOPIC])
        try:
            assert await sub.behind(upto) == await sub.lag() - 1
            assert await sub.behind({"another.topic": {0: 10}}) == 0
            await self.drain(sub, commit=True)
            assert await sub.behind(upto) == 0
        finally:
            await sub.close()

    async def test_lag_is_zero_once_everything_is_committed(self, log: EventLog) -> None:
        stream = new_stream()
        await log.append([created(stream, v) for v in (1, 2)])
        sub = await log.subscribe(new_group(), [TOPIC])
        try:
            await self.drain(sub, commit=True)
            assert await sub.lag() == 0
            await log.append([created(stream, 3)])
            assert await sub.lag() == 1
        finally:
            await sub.close()

    async def test_ping_answers_when_the_log_can_take_writes(self, log: EventLog) -> None:
        await log.ping()

    async def test_size_counts_a_topics_events_alone(self, log: EventLog) -> None:
        before, other_before = await log.size(TOPIC), await log.size(OTHER_TOPIC)
        stream = new_stream()
        await log.append([created(stream, v) for v in (1, 2, 3)])
        await log.append([handling_failed(new_stream())])
        await log.append([created(stream, 4)])

        assert await log.size(TOPIC) == before + 4
        assert await log.size(OTHER_TOPIC) == other_before + 1

    # -- what consumers check the log still holds (ADR 0032) -------------------
    async def test_events_at_tells_which_event_the_log_holds_at_a_position(
        self, log: EventLog
    ) -> None:
        stream = new_stream()
        recorded = await log.append([created(stream, v) for v in (1, 2, 3)])
        marks = [Mark.of(r) for r in recorded]
        last = recorded[-1]
        end = (await log.ends(TOPIC))[last.partition]
        assert end > last.offset
        beyond = Mark(TOPIC, last.partition, end + 1000, last.event.event_id)
        other = Mark(last.topic, last.partition, last.offset, "an-event-never-written")

        found = await log.events_at([*marks, beyond, other])

        assert [found[m] for m in marks] == [r.event.event_id for r in recorded]
        assert found[beyond] is None  # the log ends before it
        assert found[other] == last.event.event_id  # another event than the one seen

    async def test_a_partitions_end_is_one_past_its_last_record(self, log: EventLog) -> None:
        # what a read model's marks are held against (ADR 0054): a consumer that
        # handled a partition's last record has reached its end, whatever another
        # topic was given since (SQLite numbers every topic's rows in one sequence)
        [last] = await log.append([created(new_stream(), 1)])
        await log.append([handling_failed(new_stream())])
        ends = await log.ends(TOPIC)
        end = ends[last.partition]
        # another writer of the shared broker may have appended after it meanwhile
        tail = [r.offset for r in await log.read(
                    TOPIC, start={**ends, last.partition: last.offset + 1})
                if r.partition == last.partition and r.offset < end]
        assert end == max([last.offset, *tail]) + 1

    async def test_identity_names_the_log_and_stays(self, log: EventLog) -> None:
        first = await log.identity()
        await log.append([created(new_stream(), 1)])
        assert first and await log.identity() == first
