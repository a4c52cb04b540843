"""The writer index of the Kafka event log: what Kafka cannot check for us.

Kafka has no conditional write, so idempotence by `event_id` and the stream
version checks (`expect`, one event per (stream, version)) are decided against
this in-process index of every record the adapter has read or written (ADR 0005).

The index also notices other writers: it follows each partition offset by
offset, so a write acknowledged at an offset beyond the next expected one means
somebody else wrote in between; the topic is then marked stale and re-read up to
its end before the next append checks anything.

Memory: about 250 bytes per event (the id, the position, the slot, the stream's
list of positions). Positions, not envelopes: a duplicate's original record, or a
stream a handler folds, is fetched back from the log.

And it notices a log that went back (broker amnesia, a topic re-created): an
acknowledgement below the next expected offset, or a partition ending below it,
means records it has seen are gone. It says so (`rewound`); the log then drops
the index and reads the log again, which is the truth from then on (ADR 0032).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Where:
    topic: str
    partition: int
    offset: int


@dataclass(slots=True)
class WriterIndex:
    positions: dict[str, Where] = field(default_factory=dict)  # event_id -> where
    versions: dict[str, int] = field(default_factory=dict)  # stream -> last version
    streams: dict[str, list[Where]] = field(default_factory=dict)  # stream -> its events
    taken: set[tuple[str, int]] = field(default_factory=set)  # (stream, version)
    # next offset to observe per (topic, partition): everything below is indexed
    next_offset: dict[tuple[str, int], int] = field(default_factory=dict)
    loaded: set[str] = field(default_factory=set)  # topics read from the start
    stale: set[str] = field(default_factory=set)  # topics with unread records
    # partitions seen going back: "topic/partition: offset below next expected"
    rewound: list[str] = field(default_factory=list)

    def needs_catch_up(self, topic: str) -> bool:
        return topic not in self.loaded or topic in self.stale

    def observe(
        self, event_id: str, stream: str, version: int, where: Where
    ) -> None:
        """Record one log record (read back or just acknowledged)."""
        if event_id not in self.positions:
            self.positions[event_id] = where
            self.streams.setdefault(stream, []).append(where)
        self.taken.add((stream, version))
        if version > self.versions.get(stream, 0):
            self.versions[stream] = version
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
