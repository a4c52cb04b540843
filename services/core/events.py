"""Domain events: plain frozen dataclasses, one class per type and version.

Each service declares its events in `<service>/events.py` by subclassing
`DomainEvent` with `TYPE` and `VERSION`. `wrap` turns one into an `Envelope`;
`registered_event_types` lets a test check every event the code can emit has a
schema.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Any, ClassVar

from services.core.envelope import Actor, Envelope
from services.core.ids import new_id

_REGISTRY: dict[tuple[str, int], type[DomainEvent]] = {}


@dataclasses.dataclass(frozen=True, slots=True)
class DomainEvent:
    TYPE: ClassVar[str] = ""
    VERSION: ClassVar[int] = 1

    def __init_subclass__(cls, **kwargs: Any) -> None:
        # No zero-argument super(): `dataclass(slots=True)` rebuilds the class, which
        # breaks its __class__ cell. The rebuild calls this hook again with the new
        # class of the same name: that one replaces the first.
        if cls.TYPE:
            key = (cls.TYPE, cls.VERSION)
            known = _REGISTRY.get(key)
            if known is not None and _name(known) != _name(cls):
                raise TypeError(f"event {key} declared twice: {_name(known)}, {_name(cls)}")
            _REGISTRY[key] = cls

    def to_data(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> DomainEvent:
        return cls(**data)


@dataclasses.dataclass(frozen=True, slots=True)
class Meta:
    """Who caused a command and in which request: copied onto every event."""

    actor: Actor
    correlation_id: str = dataclasses.field(default_factory=new_id)
    causation_id: str | None = None


def wrap(
    event: DomainEvent,
    *,
    stream: str,
    stream_version: int,
    meta: Meta,
    occurred_at: datetime,
    consultation_id: str | None = None,
) -> Envelope:
    return Envelope(
        type=event.TYPE,
        schema_version=event.VERSION,
        stream=stream,
        stream_version=stream_version,
        data=event.to_data(),
        actor=meta.actor,
        occurred_at=occurred_at,
        correlation_id=meta.correlation_id,
        causation_id=meta.causation_id,
        consultation_id=consultation_id,
    )


def _name(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


def registered_event_types() -> dict[tuple[str, int], type[DomainEvent]]:
    """Every (type, version) declared by an imported `events` module."""
    return dict(_REGISTRY)


def event_class(event_type: str, version: int) -> type[DomainEvent]:
    return _REGISTRY[(event_type, version)]
