"""Noticing a log that lost what its consumers have seen: a broker back without
its memory, a topic re-created, an older SQLite file put back (ADR 0032).

Each consumer keeps in the read store a *mark* per partition it reads: the
offset and event id of the last record it handled (table `log_marks`, partition =
the consumer's name, key "topic/partition"). A projection writes its marks in the
transaction of the batch, with its guards; a process manager right after
handling. A mark is a fingerprint of the log the consumer read: that log must
still hold that event at that offset. An older copy of the log ends before it; a
re-created or another log holds another event there (event ids are unique), or
nothing.

`drifts` compares marks with the log, `committed_drifts` a group's committed
offsets (when the broker keeps them) with the log's end. A worker checks before
its first batch and whenever its cursor may have jumped; any drift raises
`LogBehind`, and the runner stops the workers with a metric and an error log,
rather than projecting another log over read models built from the lost one.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from services.eventlog.port import EXPIRED, EventLog, Mark, Position, Recorded, Subscription
from services.store.port import ReadStore, StoreTx

MARKS = "log_marks"
_MAX_PARTITIONS = 10_000

Marks = dict[tuple[str, int], Mark]


@dataclass(frozen=True, slots=True)
class Drift:
    """One place where the log is behind what a consumer has seen."""

    consumer: str
    topic: str
    partition: int
    offset: int  # the mark's offset, or the committed offset
    seen: str  # the event id the consumer saw there ("" for a committed offset)
    found: str | None  # what the log holds there now: another event id, or None

    def describe(self) -> str:
        where = f"{self.topic}/{self.partition}@{self.offset}"
        if not self.seen:
            return f"{self.consumer}: committed offset {where} is beyond the log's end"
        if self.found is None:
            return f"{self.consumer}: the log ends before {where}, where it read {self.seen}"
        return f"{self.consumer}: {where} holds {self.found}, where it read {self.seen}"

    def en_francais(self) -> str:
        where = f"la position {self.offset} de {self.topic}/{self.partition}"
        if not self.seen:
            return (f"{self.consumer} : le groupe a validé {where}, au-delà de la fin du "
                    "journal")
        if self.found is None:
            return (f"{self.consumer} : le journal s'arrête avant {where}, où ce lecteur "
                    f"avait lu l'événement {self.seen} (le journal a perdu des événements)")
        return (f"{self.consumer} : le journal contient l'événement {self.found} à {where}, "
                f"où ce lecteur avait lu {self.seen} (journal remplacé ou recréé)")


class LogBehind(Exception):
    """The log no longer holds what this consumer has already seen."""

    def __init__(self, drifts: Sequence[Drift]) -> None:
        self.drifts = list(drifts)
        super().__init__("; ".join(d.describe() for d in self.drifts[:5]))


def batch_marks(records: Iterable[Recorded]) -> list[Mark]:
    """The last record of each partition in `records` (a mark made for those only,
    not for every record a batch holds: each consumer runs this on every batch)."""
    last: dict[tuple[str, int], Recorded] = {}
    for r in records:
        key = (r.topic, r.partition)
        held = last.get(key)
        if held is None or r.offset > held.offset:
            last[key] = r
    return [Mark.of(r) for r in last.values()]


async def save_marks(tx: StoreTx, consumer: str, marks: Iterable[Mark]) -> None:
    for m in marks:
        await tx.put(MARKS, consumer, f"{m.topic}/{m.partition}",
                     {"offset": m.offset, "event_id": m.event_id})


async def load_marks(store: ReadStore, consumer: str) -> Marks:
    rows = await store.list(MARKS, consumer, limit=_MAX_PARTITIONS)
    marks: Marks = {}
    for key, doc in rows:
        topic, _, partition = key.rpartition("/")
        mark = Mark(topic, int(partition), int(doc["offset"]), str(doc["event_id"]))
        marks[(mark.topic, mark.partition)] = mark
    return marks


def reach(marks: Marks, upto: Mapping[str, Position]) -> bool:
    """Whether the marks reach every record below `upto` (topic -> partition -> next
    offset): each partition's last record handled is the last one below its end.
    A partition's records follow one another (Kafka writes no transaction
    markers here); over SQLite a topic's end is one past its own last row."""
    for topic, position in upto.items():
        for partition, end in position.items():
            mark = marks.get((topic, partition))
            if end > 0 and (mark is None or mark.offset + 1 < end):
                return False
    return True


class MarksProgress:
    """The `ModelProgress` port, read from the consumers' marks: a projection writes
    them in the transaction of its effects, so marks past a record mean the read
    model holds it, whichever process applied it, and a rebuild in progress
    (which forgets them first) answers only what it has rebuilt so far."""

    def __init__(self, store: ReadStore, *, step: float = 0.05) -> None:
        self._store = store
        self._step = step

    async def holds(self, consumer: str, upto: Mapping[str, Position], *,
                    within: float) -> bool:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while not reach(await load_marks(self._store, consumer), upto):
            if loop.time() >= deadline:
                return False
            await asyncio.sleep(self._step)
        return True


async def forget_marks(store: ReadStore, consumer: str) -> None:
    """Before a rebuild from the start of the log."""
    rows = await store.list(MARKS, consumer, limit=_MAX_PARTITIONS)
    async with store.transaction() as tx:
        for key, _ in rows:
            await tx.delete(MARKS, consumer, key)


async def drifts(log: EventLog, consumer: str, marks: Iterable[Mark]) -> list[Drift]:
    """Marks the log no longer honours (raises `EventLogUnavailable` if it cannot tell)."""
    wanted = list(marks)
    if not wanted:
        return []
    found = await log.events_at(wanted)
    return [Drift(consumer, m.topic, m.partition, m.offset, m.event_id, found[m])
            for m in wanted if found[m] not in (m.event_id, EXPIRED)]


async def committed_drifts(log: EventLog, sub: Subscription) -> list[Drift]:
    """Committed offsets beyond the log's end (a broker that kept a group's offsets
    but not the records, or a topic re-created under a group)."""
    out: list[Drift] = []
    for topic, committed in (await sub.checkpoints()).items():
        ends = await log.ends(topic)
        out += [Drift(sub.group, topic, p, offset, "", None)
                for p, offset in sorted(committed.items()) if offset > ends.get(p, 0)]
    return out
