"""The writer index of the Kafka event log: what Kafka cannot check for us.

Kafka has no conditional write, so idempotence by `event_id` and the stream
version checks (`expect`, one event per (stream, version)) are decided against
this in-process index of every record the adapter has read or written (ADR 0005).

The index also notices other writers: it follows each partition offset by
offset, so a write acknowledged at an offset beyond the next expected one means
somebody else wrote in between; the topic is then marked stale and re-read up to
its end before the next append checks anything.

Memory (ADR 0122): the last `RECENT` events observed are held as strings in
dicts; past them, an event is a row of 24 bytes (its id's digest, its position)
and a row of 28 bytes in its stream's runs (the stream's digest, its version,
its position), in levelled numpy runs (kafka_index_runs.py): ~60 bytes an event
where the dicts held ~570. Positions, not envelopes: a duplicate's original
record, or a stream a handler folds, is fetched back from the log.

And it notices a log that went back (broker amnesia, a topic re-created): an
acknowledgement below the next expected offset, or a partition ending below it,
means records it has seen are gone. It says so (`rewound`); the log then drops
the index and reads the log again, which is the truth from then on (ADR 0032).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

import numpy as np

from services.eventlog.kafka_index_runs import Levels, Run, digests

RECENT = 32_768  # events held as strings before they move to the runs
_PARTITION_BITS, _OFFSET_BITS = 16, 40


def can_hold(event_id: object, stream: object, version: object) -> bool:
    """An id and a stream that are strings, a version from 0 to 2^32 - 1: what every
    event Parlons writes has, and what the runs' rows can hold."""
    return (type(event_id) is str and type(stream) is str and type(version) is int
            and 0 <= version < 1 << 32)


@dataclass(frozen=True, slots=True)
class Where:
    topic: str
    partition: int
    offset: int


@dataclass(frozen=True, slots=True)
class Held:
    """What `WriterIndex.look_up` found: the ids it holds, the versions of each
    stream it holds (a stream never written is absent)."""

    ids: set[str]
    versions: dict[str, set[int]]

    def version(self, stream: str) -> int:
        return max(self.versions.get(stream, ()), default=0)

    def taken(self, stream: str, version: int) -> bool:
        return version in self.versions.get(stream, ())


class WriterIndex:
    def __init__(self, *, recent: int = RECENT) -> None:
        # next offset to observe per (topic, partition): everything below is indexed
        self.next_offset: dict[tuple[str, int], int] = {}
        self.loaded: set[str] = set()  # topics read from the start
        self.stale: set[str] = set()  # topics with unread records
        # partitions seen going back: "topic/partition: offset below next expected"
        self.rewound: list[str] = []
        self._recent = recent
        self._topics: list[str] = []  # a packed position's topic number -> its name
        self._topic_numbers: dict[str, int] = {}
        # the recent events: event id -> packed position (the first observed), and
        # stream -> [(version, packed position)]; the older ones are in the runs
        self._ids: dict[str, int] = {}
        self._streams: dict[str, list[tuple[int, int]]] = {}
        # a merge copying more than 32 moves' rows runs in a thread (ADR 0126): ~10 ms
        # on the loop below it, and no thread to share the GIL with; the contract's
        # run with two recent events (TestKafkaEventLogIndexedInRuns) then has its
        # merges past 64 rows in threads
        self._id_runs = Levels(first=recent, in_thread_from=32 * recent)  # columns: position
        self._stream_runs = Levels(first=recent,  # columns: version, position
                                   in_thread_from=32 * recent)

    def __len__(self) -> int:
        """The events held (a duplicate observed apart from its original counts)."""
        return len(self._ids) + len(self._id_runs)

    def needs_catch_up(self, topic: str) -> bool:
        return topic not in self.loaded or topic in self.stale

    def observe(
        self, event_id: str, stream: str, version: int, where: Where
    ) -> None:
        """Record one log record (read back or just acknowledged). Checked before
        anything changes: a value the runs cannot hold, found only when the recent
        entries move, would lose those entries' streams."""
        if not can_hold(event_id, stream, version):
            raise ValueError(f"an event the index cannot hold: {event_id!r} {stream!r} "
                             f"{version!r}")
        if event_id not in self._ids:
            packed = self._pack(where)
            self._ids[event_id] = packed
            self._streams.setdefault(stream, []).append((version, packed))
            if len(self._ids) >= self._recent:
                self._move_recent_to_runs()
        tp = (where.topic, where.partition)
        expected = self.next_offset.get(tp, 0)
        if where.offset == expected:
            self.next_offset[tp] = expected + 1
        elif where.offset > expected:
            # a gap: records we have not seen sit below this one
            self.stale.add(where.topic)
        else:  # a new record where one we saw was: the partition went back
            self.rewound.append(f"{where.topic}/{where.partition}: a record written at "
                                f"{where.offset}, below {expected}")

    def position(self, event_id: str) -> Where | None:
        """Where the event id was first written (a duplicate written apart from its
        original, by another writer, sits at a later offset of the same partition:
        its key is the same)."""
        found = [int(run.columns[0][row]) for run, row in self._id_runs.find([event_id])[0]]
        if event_id in self._ids:
            found.append(self._ids[event_id])
        return self._unpack(min(found)) if found else None

    def version(self, stream: str) -> int:
        """The stream's highest version observed, 0 for a stream never written."""
        return self.look_up([], [stream]).version(stream)

    def stream_positions(self, stream: str) -> list[Where]:
        """Where the stream's events are (a duplicate of one of them may be among
        them: the reader keeps an event id's first record)."""
        return [self._unpack(p) for _, p in self._stream_rows([stream])[0]]

    def look_up(self, event_ids: Collection[str], streams: Collection[str]) -> Held:
        """What the index holds of these event ids and streams, the runs searched
        once for all of them: a round of appends checks every event it writes."""
        unsure = [i for i in event_ids if i not in self._ids]
        ids = {i for i in event_ids if i in self._ids}
        ids.update(i for i, found in zip(unsure, self._id_runs.find(unsure), strict=True)
                   if found)
        streams = list(streams)
        return Held(ids, {stream: {v for v, _ in rows} for stream, rows
                          in zip(streams, self._stream_rows(streams), strict=True) if rows})

    def _stream_rows(self, streams: Sequence[str]) -> list[list[tuple[int, int]]]:
        """Each stream's (version, packed position) rows, the runs' then the recent."""
        return [[(int(run.columns[0][row]), int(run.columns[1][row])) for run, row in found]
                + self._streams.get(stream, [])
                for stream, found in zip(streams, self._stream_runs.find(streams), strict=True)]

    def _move_recent_to_runs(self) -> None:
        ids, self._ids = self._ids, {}
        streams, self._streams = self._streams, {}
        hi, lo = digests(ids)
        self._id_runs.add(Run.of(hi, lo, [np.fromiter(ids.values(), np.uint64, len(ids))]))
        rows = [row for held in streams.values() for row in held]
        counts = np.fromiter((len(held) for held in streams.values()), np.int64, len(streams))
        hi, lo = digests(streams)
        self._stream_runs.add(Run.of(np.repeat(hi, counts), np.repeat(lo, counts), [
            np.fromiter((v for v, _ in rows), np.uint32, len(rows)),
            np.fromiter((p for _, p in rows), np.uint64, len(rows)),
        ]))

    def _pack(self, where: Where) -> int:
        number = self._topic_numbers.get(where.topic)
        if number is None:
            number = self._topic_numbers[where.topic] = len(self._topics)
            self._topics.append(where.topic)
        if where.partition >> _PARTITION_BITS or where.offset >> _OFFSET_BITS or number > 255:
            raise ValueError(f"position out of the index's range: {where}")
        return (number << (_PARTITION_BITS + _OFFSET_BITS)
                | where.partition << _OFFSET_BITS | where.offset)

    def _unpack(self, packed: int) -> Where:
        return Where(self._topics[packed >> (_PARTITION_BITS + _OFFSET_BITS)],
                     packed >> _OFFSET_BITS & (1 << _PARTITION_BITS) - 1,
                     packed & (1 << _OFFSET_BITS) - 1)

    def caught_up(self, topic: str, ends: dict[int, int]) -> None:
        """Every record of `topic` below `ends[partition]` has been observed."""
        for partition, end in ends.items():
            tp = (topic, partition)
            if end < self.next_offset.get(tp, 0):
                self.rewound.append(f"{topic}/{partition}: ends at {end}, "
                                    f"below {self.next_offset[tp]}")
            self.next_offset[tp] = max(self.next_offset.get(tp, 0), end)
        self.loaded.add(topic)
        self.stale.discard(topic)

    def behind(self, ends: dict[tuple[str, int], int],
               asked_at: dict[tuple[str, int], int]) -> list[str]:
        """Partitions whose end is below what the index had observed when the ends
        were asked (`asked_at`, its `next_offset` then). Not below what it observes
        now: an append of this process acknowledged while the fetch was out is past
        the end that fetch saw, and the broker's answer to the fetch may come after
        its acknowledgement (two connections): that end is not a log gone back."""
        return [f"{t}/{p}: ends at {end}, below {asked_at[(t, p)]}"
                for (t, p), end in sorted(ends.items()) if end < asked_at.get((t, p), 0)]

    def start_of_unread(self, topic: str, partitions: list[int]) -> dict[int, int]:
        return {p: self.next_offset.get((topic, p), 0) for p in partitions}
