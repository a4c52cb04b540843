"""Events the runtime itself writes (schemas in schemas/events/runtime.*)."""

from __future__ import annotations

from dataclasses import dataclass

from services.core.events import DomainEvent


@dataclass(frozen=True, slots=True)
class HandlingFailed(DomainEvent):
    """A dead letter: `group` skipped the event at `failed_topic`/`failed_offset`
    after `attempts` failures; `error` is the last one (truncated)."""

    TYPE = "runtime.HandlingFailed"
    VERSION = 1

    group: str
    failed_event_id: str
    failed_type: str
    failed_topic: str
    failed_partition: int
    failed_offset: int
    attempts: int
    error: str


@dataclass(frozen=True, slots=True)
class DeadLetterRedriven(DomainEvent):
    """The dead letter of `group` for `failed_event_id` is settled: an operator
    re-drove the event through its consumer once the cause was fixed (`by` =
    "replay": `parlons dead-letters replay`) or rebuilt the projection from the log
    ("rebuild": `parlons replay`). Written on the letter's stream, after it."""

    TYPE = "runtime.DeadLetterRedriven"
    VERSION = 1

    group: str
    failed_event_id: str
    by: str


@dataclass(frozen=True, slots=True)
class ScheduledRunClaimed(DomainEvent):
    """One run of a periodic job claimed by a scheduler: the first event of
    `schedule-<job>-<slot>`, appended expecting version 0, so a single scheduler
    of all the replicas runs the job in each slot (ADR 0034)."""

    TYPE = "runtime.ScheduledRunClaimed"
    VERSION = 1

    job: str
    slot: int
    by: str
