"""In-memory event log: the fake for unit tests, and the reference behaviour the
contract suite pins down. One partition per topic."""

from __future__ import annotations

import asyncio
import uuid
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime

from services.core.envelope import Envelope
from services.core.errors import ConcurrencyConflict
from services.eventlog.port import Batch, EventLog, Position, Recorded, Subscription

KeyFn = Callable[[Envelope], str]


def _stream_key(event: Envelope) -> str:
    return event.stream


class MemoryEventLog(EventLog):
    def __init__(self, key_for: KeyFn = _stream_key) -> None:
        self._key_for = key_for
        self._topics: dict[str, list[Recorded]] = defaultdict(list)
        self._by_id: dict[str, Recorded] = {}
        self._versions: dict[str, int] = {}
        self._streams: dict[str, list[Envelope]] = defaultdict(list)
        self._taken: set[tuple[str, int]] = set()
        self._checkpoints: dict[tuple[str, str], int] = {}
        self._appended = asyncio.Condition()
        self._identity = f"memory:{uuid.uuid4()}"

    async def append(
        self, events: Sequence[Envelope], *, expect: Mapping[str, int] | None = None
    ) -> list[Recorded]:
        # A retry of a batch already written is answered as duplicates, not as a
        # conflict: the client lost our acknowledgement, not the race.
        retry = bool(events) and all(e.event_id in self._by_id for e in events)
        for stream, expected in ({} if retry else expect or {}).items():
            actual = self._versions.get(stream, 0)
            if actual != expected:
                raise ConcurrencyConflict(stream, expected, actual)
        fresh = [e for e in events if e.event_id not in self._by_id]
        seen: set[tuple[str, int]] = set()
        for e in fresh:  # check the whole batch before writing any of it
            slot = (e.stream, e.stream_version)
            if slot in self._taken or slot in seen:
                raise ConcurrencyConflict(
                    e.stream, e.stream_version - 1, self._versions.get(e.stream, 0)
                )
            seen.add(slot)
        now = datetime.now(UTC)
        out: list[Recorded] = []
        for e in events:
            if e.event_id in self._by_id:
                original = self._by_id[e.event_id]
                out.append(
                    Recorded(original.event, original.topic, 0, original.offset,
                             original.key, duplicate=True)
                )
                continue
            log = self._topics[e.topic]
            rec = Recorded(e.recorded(now), e.topic, 0, len(log), self._key_for(e))
            log.append(rec)
            self._by_id[e.event_id] = rec
            self._taken.add((e.stream, e.stream_version))
            self._versions[e.stream] = max(self._versions.get(e.stream, 0), e.stream_version)
            self._streams[e.stream].append(rec.event)
            out.append(rec)
        async with self._appended:
            self._appended.notify_all()
        return out

    async def read(
        self, topic: str, *, start: Position | None = None, limit: int = 1000
    ) -> list[Recorded]:
        first = (start or {}).get(0, 0)
        return self._topics[topic][first : first + limit]

    async def read_stream(self, stream: str) -> list[Envelope]:
        return sorted(self._streams.get(stream, ()), key=lambda e: e.stream_version)

    async def stream_version(self, stream: str) -> int:
        return self._versions.get(stream, 0)

    async def ends(self, topic: str) -> Position:
        return {0: len(self._topics[topic])}

    async def identity(self) -> str:
        return self._identity

    async def subscribe(self, group: str, topics: Sequence[str]) -> Subscription:
        return _MemorySubscription(self, group, tuple(topics))

    async def reset_group(self, group: str) -> None:
        for key in [k for k in self._checkpoints if k[0] == group]:
            del self._checkpoints[key]


class _MemorySubscription(Subscription):
    def __init__(self, log: MemoryEventLog, group: str, topics: tuple[str, ...]) -> None:
        self._log = log
        self.group = group
        self.topics = topics
        self._cursor = {t: log._checkpoints.get((group, t), 0) for t in topics}

    def _pending(self, max_records: int) -> Batch:
        records: list[Recorded] = []
        next_position: dict[str, Position] = {}
        for topic in self.topics:
            room = max_records - len(records)
            if room <= 0:
                break
            start = self._cursor[topic]
            chunk = self._log._topics[topic][start : start + room]
            records.extend(chunk)
            next_position[topic] = {0: start + len(chunk)}
        return Batch(records, next_position)

    async def poll(self, *, max_records: int = 500, timeout: float = 1.0) -> Batch:
        batch = self._pending(max_records)
        if not batch.records:
            try:
                async with self._log._appended:
                    await asyncio.wait_for(self._log._appended.wait(), timeout)
            except TimeoutError:
                return Batch([], {})
            batch = self._pending(max_records)
        for topic, pos in batch.next_position.items():
            self._cursor[topic] = pos[0]
        return batch

    async def commit(self, batch: Batch) -> None:
        for topic, pos in batch.next_position.items():
            self._log._checkpoints[(self.group, topic)] = pos[0]

    async def lag(self) -> int:
        return sum(
            len(self._log._topics[t]) - self._log._checkpoints.get((self.group, t), 0)
            for t in self.topics
        )

    async def behind(self, upto: Mapping[str, Position]) -> int:
        return sum(
            max(0, min(len(self._log._topics[t]), upto[t].get(0, 0))
                - self._log._checkpoints.get((self.group, t), 0))
            for t in self.topics if t in upto
        )

    async def close(self) -> None:
        return None
