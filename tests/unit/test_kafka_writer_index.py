"""The Kafka log's writer index: it tells a log gone back (broker amnesia) from a
watermark fetched before this process's own append was acknowledged, and it
holds a large log in a few tens of bytes an event (ADR 0122)."""

from __future__ import annotations

import random
import tracemalloc
import uuid
from pathlib import Path

import orjson
import pytest

from services.eventlog.kafka_index import Where, WriterIndex
from services.eventlog.kafka_reader import decode, index_fields

TP = ("moderation.events", 3)
PHASE = "0193a000-0000-7000-8000-0000000000f1"
PARTICIPANT = "0193a000-0000-7000-8000-0000000000a7"


def _index_with(records: int) -> WriterIndex:
    index = WriterIndex()
    for offset in range(records):
        index.observe(f"e-{offset}", f"s-{offset}", 1, Where(*TP, offset))
    return index


def test_an_end_fetched_before_an_own_acknowledged_append_is_not_a_log_gone_back() -> None:
    # The freshness check asks the ends with the index at 1; meanwhile this
    # process's append at offset 1 is acknowledged (the index moves to 2) and the
    # fetch's answer, made before that append, says the partition ends at 1.
    index = _index_with(1)
    asked_at = dict(index.next_offset)
    index.observe("e-1", "s-1", 1, Where(*TP, 1))
    assert index.next_offset[TP] == 2
    assert index.behind({TP: 1}, asked_at) == []


def test_an_end_below_what_was_observed_when_it_was_asked_is_a_log_gone_back() -> None:
    index = _index_with(2)
    asked_at = dict(index.next_offset)
    assert index.behind({TP: 1}, asked_at) == ["moderation.events/3: ends at 1, below 2"]
    assert index.behind({TP: 2}, asked_at) == []
    assert index.behind({("vote.events", 0): 0}, asked_at) == []  # never observed


def _observe_ballots(index: WriterIndex, events: int, *, partitions: int = 12) -> None:
    """Two events a stream, as a ballot cast then changed; ids as the log's."""
    for n in range(events):
        index.observe(f"0193a{n:07d}-7000-8000-0000-00000000e1d{n % 10}",
                      f"ballot-phase-approval-item-{n // 2}", 1 + n % 2,
                      Where("vote.events", n % partitions, n // partitions))


def test_what_moved_out_of_the_recent_entries_is_found_as_before() -> None:
    # `recent=100`: 2,500 events go through four levels of runs and the recent dicts
    index = WriterIndex(recent=100)
    _observe_ballots(index, 2_501)
    assert len(index) == 2_501
    for n in (0, 1, 777, 2_400, 2_500):  # in the deepest run ... still recent
        event_id = f"0193a{n:07d}-7000-8000-0000-00000000e1d{n % 10}"
        assert event_id in index.look_up([event_id], []).ids
        assert index.position(event_id) == Where("vote.events", n % 12, n // 12)
    never = "0193a0000000-7000-8000-0000-00000000e1d1"
    assert never not in index.look_up([never], []).ids
    assert index.position("never-written") is None
    assert index.version("ballot-phase-approval-item-388") == 2
    assert index.version("ballot-phase-approval-item-1250") == 1  # only its first event
    assert index.version("ballot-phase-approval-item-99999") == 0
    item_388 = "ballot-phase-approval-item-388"
    assert index.look_up([], [item_388]).taken(item_388, 2)
    assert not index.look_up([], [item_388]).taken(item_388, 3)
    assert sorted(index.stream_positions(item_388), key=str) == [
        Where("vote.events", 776 % 12, 776 // 12), Where("vote.events", 777 % 12, 777 // 12)]


def test_a_round_looks_its_ids_and_streams_up_at_once() -> None:
    index = WriterIndex(recent=100)
    _observe_ballots(index, 1_001)
    in_runs, recent = (f"0193a{n:07d}-7000-8000-0000-00000000e1d{n % 10}" for n in (5, 1_000))
    held = index.look_up([in_runs, recent, "never-written"],
                         ["ballot-phase-approval-item-2", "ballot-phase-approval-item-500",
                          "ballot-phase-approval-item-9999"])
    assert held.ids == {in_runs, recent}
    assert held.versions == {"ballot-phase-approval-item-2": {1, 2},
                             "ballot-phase-approval-item-500": {1}}
    assert held.version("ballot-phase-approval-item-2") == 2
    assert held.taken("ballot-phase-approval-item-500", 1)
    assert not held.taken("ballot-phase-approval-item-500", 2)


def test_a_duplicate_written_apart_from_its_original_answers_the_original() -> None:
    # another writer wrote the same event again, once the original had left the
    # recent entries: the id's first position is the original's, both records are
    # among the stream's (the reader keeps an id's first), the version unchanged
    index = WriterIndex(recent=10)
    index.observe("e-dup", "s-dup", 1, Where("vote.events", 0, 0))
    for n in range(1, 30):
        index.observe(f"e-{n}", f"s-{n}", 1, Where("vote.events", 0, n))
    index.observe("e-dup", "s-dup", 1, Where("vote.events", 0, 30))
    assert index.position("e-dup") == Where("vote.events", 0, 0)
    assert {w.offset for w in index.stream_positions("s-dup")} == {0, 30}
    assert index.version("s-dup") == 1


def test_a_position_the_index_cannot_hold_is_refused_not_folded() -> None:
    index = WriterIndex()
    with pytest.raises(ValueError, match="out of the index's range"):
        index.observe("e", "s", 1, Where("vote.events", 70_000, 0))


def test_an_event_costs_the_index_tens_of_bytes_not_hundreds() -> None:
    # the dicts of strings it was held in cost ~570 bytes an event (ids and stream
    # names decoded from the log); ten million events were ~5.7 GB in every
    # process that decides (ADR 0122)
    events = 100_000
    tracemalloc.start()
    try:
        index = WriterIndex(recent=4_096)
        for n in range(events):
            # fresh strings, as decoding a record makes them
            index.observe(str(uuid.UUID(int=n << 64 | 0x7000_8000_0000_0000)),
                          f"ballot-{n // 2:08d}-approval-{PHASE}-{PARTICIPANT}", 1 + n % 2,
                          Where("vote.events", n % 12, n // 12))
        held, _ = tracemalloc.get_traced_memory()
        print(f"{held / events:.0f} bytes an event")
    finally:
        tracemalloc.stop()
    assert held / events < 150, f"{held / events:.0f} bytes an event"
    assert len(index) == events


def test_the_index_answers_as_a_plain_model_of_the_log_whatever_tier_holds_an_event() -> None:
    # 3,000 records, one in ten a copy of an earlier event (another writer's
    # duplicate, in its original's partition), streams of a few events; seven events
    # held as strings, the rest in runs of every level: each answer compared with a
    # plain model
    rng = random.Random(20261207)
    index = WriterIndex(recent=7)
    first: dict[str, Where] = {}  # event id -> its first record
    every: dict[str, set[Where]] = {}  # stream -> where all its records are
    versions: dict[str, set[int]] = {}
    written: list[tuple[str, str, int]] = []
    offsets = [0] * 4
    for n in range(3_000):
        if written and rng.random() < 0.1:
            event_id, stream, version = rng.choice(written)
        else:
            stream = f"s-{rng.randrange(900)}"
            event_id, version = f"e-{n}", len(versions.get(stream, ())) + 1
            written.append((event_id, stream, version))
        partition = int(stream[2:]) % 4  # keyed by its stream, as the log's records
        where = Where("vote.events", partition, offsets[partition])
        offsets[partition] += 1
        index.observe(event_id, stream, version, where)
        first.setdefault(event_id, where)
        every.setdefault(stream, set()).add(where)
        versions.setdefault(stream, set()).add(version)
    for event_id, stream, _ in rng.sample(written, 300):
        assert index.position(event_id) == first[event_id]
        firsts = {first[i] for i, s, _ in written if s == stream}
        assert firsts <= set(index.stream_positions(stream)) <= every[stream]
        assert index.version(stream) == max(versions[stream])
        assert all(index.look_up([], [stream]).taken(stream, v) for v in versions[stream])
        assert not index.look_up([], [stream]).taken(stream, max(versions[stream]) + 1)
    asked = rng.sample(written, 50)
    held = index.look_up([i for i, _, _ in asked] + ["e-never"], [s for _, s, _ in asked])
    assert held.ids == {i for i, _, _ in asked}
    assert held.versions == {s: versions[s] for _, s, _ in asked}


def test_the_index_reads_every_record_a_reader_decodes_and_the_ids_of_those_it_skips() -> None:
    # the catch-up takes three fields of a record without building its envelope;
    # it may index more than the readers decode (the record is in the log: no
    # append may take its id or its version), never less
    golden = Path(__file__).resolve().parents[2] / "schemas" / "golden"
    doc = orjson.loads((golden / "vote.BallotCast.v1.json").read_bytes())

    class Raw:
        def __init__(self, value: bytes) -> None:
            self.value, self.key, self.topic, self.partition, self.offset = (
                value, None, "vote.events", 0, 7)

    read = decode(Raw(orjson.dumps(doc)))
    assert read is not None
    assert index_fields(Raw(orjson.dumps(doc))) == (
        read.event.event_id, read.event.stream, read.event.stream_version)
    skipped = {**doc, "occurred_at": {"not": "a time"}}
    assert decode(Raw(orjson.dumps(skipped))) is None
    assert index_fields(Raw(orjson.dumps(skipped))) == (
        doc["event_id"], doc["stream"], doc["stream_version"])
    for garbage in (b"not json", b"[1, 2]", b'"a string"', orjson.dumps({"stream": "s"})):
        assert index_fields(Raw(garbage)) is None
    # a reader decodes these (the envelope checks no type), no event of Parlons has
    # them, and the runs' rows cannot hold them: skipped, never a crash
    for odd in ({"stream_version": "2"}, {"stream_version": -1}, {"stream_version": 2**32},
                {"stream_version": 1.5}, {"event_id": 7}, {"stream": ["s"]}):
        assert decode(Raw(orjson.dumps({**doc, **odd}))) is not None
        assert index_fields(Raw(orjson.dumps({**doc, **odd}))) is None


def test_an_event_the_index_cannot_hold_is_refused_before_anything_changes() -> None:
    # found only when the recent entries moved to the runs, it lost their streams
    index = WriterIndex(recent=3)
    index.observe("e-1", "s-1", 1, Where("vote.events", 0, 0))
    index.observe("e-2", "s-1", 2, Where("vote.events", 0, 1))
    for odd in (("e-3", "s-1", -1), ("e-3", "s-1", "3"), (3, "s-1", 3), ("e-3", 1, 3)):
        with pytest.raises(ValueError, match="cannot hold"):
            index.observe(*odd, Where("vote.events", 0, 2))  # type: ignore[arg-type]
    index.observe("e-3", "s-1", 3, Where("vote.events", 0, 2))  # the recent entries move
    index.observe("e-4", "s-2", 1, Where("vote.events", 0, 3))
    assert len(index) == 4
    assert index.version("s-1") == 3
    assert index.position("e-3") == Where("vote.events", 0, 2)
