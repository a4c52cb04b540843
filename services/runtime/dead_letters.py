"""Dead letters on `runtime.events` (ADRs 0006, 0031).

Each (group, failed event) has its own stream, `deadletter-<uuid>`: its odd
versions are `runtime.HandlingFailed` letters, its even versions the
`runtime.DeadLetterRedriven` settlements that follow them. A letter is pending
while it is the last event of its stream. Both are appended at an expected
version, with event ids derived from (group, failed event, version): a worker
redelivered the same poison event writes no second letter, two operators
re-driving the same letter record one settlement, and an event that fails again
after being re-driven gets a new letter.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import datetime

from services.core.envelope import Actor, Envelope
from services.core.errors import ConcurrencyConflict
from services.core.events import DomainEvent, Meta, wrap
from services.core.ids import stable_id
from services.eventlog.port import EventLog, Position, Recorded, read_all
from services.runtime.events import DeadLetterRedriven, HandlingFailed

TOPIC = "runtime.events"
_NAMESPACE = uuid.UUID("6f1d1a52-9d7e-4c38-9a57-2f0e8c1b7d10")
_ERROR_MAX = 2000  # the schema's maxLength
_PAGE = 1000


@dataclass(frozen=True, slots=True)
class DeadLetter:
    """A pending letter, as `parlons dead-letters list` shows it."""

    group: str
    failed_event_id: str
    failed_type: str
    topic: str
    partition: int
    offset: int
    attempts: int
    error: str
    at: datetime
    envelope: Envelope  # the letter itself: its stream, version, ids

    @classmethod
    def of(cls, letter: Envelope) -> DeadLetter:
        d = letter.data
        return cls(group=d["group"], failed_event_id=d["failed_event_id"],
                   failed_type=d["failed_type"], topic=d["failed_topic"],
                   partition=d["failed_partition"], offset=d["failed_offset"],
                   attempts=d["attempts"], error=d["error"], at=letter.occurred_at,
                   envelope=letter)


def letter_stream(group: str, failed_event_id: str) -> str:
    return f"deadletter-{uuid.uuid5(_NAMESPACE, f'{group}/{failed_event_id}')}"


async def write_letter(log: EventLog, record: Recorded, *, group: str, attempts: int,
                       error: str, now: datetime) -> bool:
    """Append the dead letter of `record` for `group`, unless one is pending
    already (a redelivery of the same poison event). True when this call wrote it."""
    event = record.event
    stream = letter_stream(group, event.event_id)
    version = await log.stream_version(stream)
    if version % 2 == 1:
        return False
    letter = HandlingFailed(
        group=group, failed_event_id=event.event_id, failed_type=event.type,
        failed_topic=record.topic, failed_partition=record.partition,
        failed_offset=record.offset, attempts=attempts, error=error[:_ERROR_MAX])
    return await _append(log, letter, stream, version, now, cause=event,
                         key=f"{group}/{event.event_id}")


async def settle(log: EventLog, letter: DeadLetter, *, by: str, now: datetime) -> bool:
    """Record that `letter`'s event went through its consumer (`by`: "replay" or
    "rebuild"). False when it was settled meanwhile (by someone else)."""
    settled = DeadLetterRedriven(group=letter.group, failed_event_id=letter.failed_event_id,
                                 by=by)
    env = letter.envelope
    return await _append(log, settled, env.stream, env.stream_version, now, cause=env,
                         key=f"{letter.group}/{letter.failed_event_id}")


async def _append(log: EventLog, event: DomainEvent, stream: str, after: int, now: datetime,
                  *, cause: Envelope, key: str) -> bool:
    envelope = wrap(event, stream=stream, stream_version=after + 1,
                    meta=Meta(actor=Actor.system(), correlation_id=cause.correlation_id,
                              causation_id=cause.event_id),
                    occurred_at=now, consultation_id=cause.consultation_id)
    # Version 1 keeps the id letters always had (ADR 0006): the log dedups a re-send.
    envelope = replace(envelope, event_id=stable_id(
        _NAMESPACE, key if after == 0 else f"{key}/{after + 1}"))
    try:
        [written] = await log.append([envelope], expect={stream: after})
    except ConcurrencyConflict:
        return False
    return not written.duplicate


async def pending(log: EventLog, *, group: str | None = None,
                  event_id: str | None = None) -> list[DeadLetter]:
    """Letters not yet settled, in the order they were written."""
    last: dict[str, Recorded] = {}
    async for record in read_all(log, TOPIC, page=_PAGE):
        e = record.event
        if e.type not in (HandlingFailed.TYPE, DeadLetterRedriven.TYPE):
            continue
        seen = last.get(e.stream)
        if seen is None or e.stream_version > seen.event.stream_version:
            last[e.stream] = record
    letters = [DeadLetter.of(r.event) for r in sorted(last.values(), key=lambda r: r.offset)
               if r.event.type == HandlingFailed.TYPE]
    return [x for x in letters if (group is None or x.group == group)
            and (event_id is None or x.failed_event_id == event_id)]


async def failed_event(log: EventLog, letter: DeadLetter, partitions: int) -> Envelope | None:
    """The event the letter names, read back from its topic and position (None when
    the log no longer holds it there). A read gives every partition of the topic
    from its start position: the others start at the same offset, and pages go on
    until the letter's partition is past the offset."""
    start: Position = dict.fromkeys(range(max(partitions, letter.partition + 1)), letter.offset)
    while page := await log.read(letter.topic, start=start, limit=_PAGE):
        for record in page:
            if (record.partition, record.offset) == (letter.partition, letter.offset):
                found = record.event
                return found if found.event_id == letter.failed_event_id else None
            start[record.partition] = max(start.get(record.partition, 0), record.offset + 1)
        if start[letter.partition] > letter.offset:
            break
    return None
