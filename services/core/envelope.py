"""The event envelope (DESIGN §3): what every service writes to the log.

`data` holds the domain event's fields; everything else is metadata the log,
tracing and projections rely on. No personal data ever goes in here: `actor.id`
is a pseudonymous id.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson

from services.core.ids import new_id
from services.core.slotted import fast_init, maker
from services.core.values import iso


@fast_init
@dataclass(frozen=True, slots=True)
class Actor:
    id: str
    role: str

    @staticmethod
    def system() -> Actor:
        return Actor(id="system", role="system")


@fast_init  # two per event written, one per event read (ADR 0091)
@dataclass(frozen=True, slots=True)
class Envelope:
    type: str
    schema_version: int
    stream: str
    stream_version: int
    data: dict[str, Any]
    actor: Actor
    occurred_at: datetime
    correlation_id: str
    causation_id: str | None = None
    consultation_id: str | None = None
    event_id: str = field(default_factory=new_id)
    recorded_at: datetime | None = None

    @property
    def service(self) -> str:
        """The owning service: the prefix of `type` (`vote.BallotCast` -> `vote`)."""
        return self.type.split(".", 1)[0]

    @property
    def topic(self) -> str:
        """One topic per owning service (DESIGN §3)."""
        # Asked several times per event written (the row, the wake-up): a few
        # hundred event types, so their topics are kept rather than re-spelled.
        try:
            return _TOPICS[self.type]
        except KeyError:
            topic = _TOPICS[self.type] = f"{self.service}.events"
            return topic

    def recorded(self, at: datetime) -> Envelope:
        # Spelled out: `dataclasses.replace` costs twice as much, and the log
        # stamps every event it writes; positional, in the fields' order, a
        # fifth less again (ADR 0086; `test_recorded_keeps_every_field_but_the_stamp`);
        # by the twin, a third less again (ADR 0112).
        return _new_envelope(
            self.type, self.schema_version, self.stream, self.stream_version, self.data,
            self.actor, self.occurred_at, self.correlation_id, self.causation_id,
            self.consultation_id, self.event_id, at,
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "event_id": self.event_id,
            "type": self.type,
            "schema_version": self.schema_version,
            "stream": self.stream,
            "stream_version": self.stream_version,
            "occurred_at": iso(self.occurred_at),
            "recorded_at": iso(self.recorded_at) if self.recorded_at else None,
            "correlation_id": self.correlation_id,
            "causation_id": self.causation_id,
            "actor": {"id": self.actor.id, "role": self.actor.role},
            "consultation_id": self.consultation_id,
            "data": self.data,
        }

    def to_json(self) -> bytes:
        return self.encode(iso(self.recorded_at) if self.recorded_at else None)

    def encode(self, recorded_at: str | None) -> bytes:
        """The JSON of `to_dict`, byte for byte, with `recorded_at` given already
        formatted: the log stamps a whole group with one time (ADR 0072). A time
        already in UTC (every time the platform makes) is formatted by orjson,
        which writes what `iso` does in a second of its time (ADR 0086)."""
        occurred_at = self.occurred_at
        return orjson.dumps({
            "event_id": self.event_id,
            "type": self.type,
            "schema_version": self.schema_version,
            "stream": self.stream,
            "stream_version": self.stream_version,
            "occurred_at": occurred_at if occurred_at.tzinfo is UTC else iso(occurred_at),
            "recorded_at": recorded_at,
            "correlation_id": self.correlation_id,
            "causation_id": self.causation_id,
            "actor": {"id": self.actor.id, "role": self.actor.role},
            "consultation_id": self.consultation_id,
            "data": self.data,
        }, option=orjson.OPT_UTC_Z)

    @staticmethod
    def from_dict(d: dict[str, Any]) -> Envelope:
        return _new_envelope(  # by the twin: one per event read (ADR 0112)
            event_id=d["event_id"],
            type=d["type"],
            schema_version=d["schema_version"],
            stream=d["stream"],
            stream_version=d["stream_version"],
            occurred_at=_parse(d["occurred_at"]),
            recorded_at=_parse(d["recorded_at"]) if d.get("recorded_at") else None,
            correlation_id=d["correlation_id"],
            causation_id=d.get("causation_id"),
            actor=_new_actor(id=d["actor"]["id"], role=d["actor"]["role"]),
            consultation_id=d.get("consultation_id"),
            data=_object(d["data"]),
        )

    @staticmethod
    def from_json(raw: bytes | str) -> Envelope:
        return Envelope.from_dict(orjson.loads(raw))


_TOPICS: dict[str, str] = {}
_new_envelope = maker(Envelope)
_new_actor = maker(Actor)


def _object(data: Any) -> dict[str, Any]:
    if not isinstance(data, dict):  # a record from outside: the readers skip a TypeError
        raise TypeError(f"an event's data must be a JSON object, not {type(data).__name__}")
    return data


def _parse(s: str) -> datetime:
    if not isinstance(s, str):  # a record from outside: the readers skip a TypeError
        raise TypeError(f"a time must be an ISO 8601 string, not {type(s).__name__}")
    return datetime.fromisoformat(s.replace("Z", "+00:00")).astimezone(UTC)
