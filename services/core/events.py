"""Domain events: plain frozen dataclasses, one class per type and version.

Each service declares its events in `<service>/events.py` by subclassing
`DomainEvent` with `TYPE` and `VERSION`. `wrap` turns one into an `Envelope`;
`registered_event_types` lets a test check every event the code can emit has a
schema.
"""

from __future__ import annotations

import dataclasses
import re
from contextvars import ContextVar
from datetime import datetime
from typing import Any, ClassVar

from services.core.envelope import Actor, Envelope
from services.core.ids import new_id

# The correlation id of the request (or job) being handled, in a contextvar so
# logs and command metadata pick it up without threading it through every call.
_correlation_id: ContextVar[str | None] = ContextVar("parlons_correlation_id", default=None)
# What we accept from a client: short, plain; anything else is replaced (no log injection).
_ACCEPTABLE = re.compile(r"^[A-Za-z0-9._:-]{1,100}$")

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
        """`dataclasses.asdict(self)`, without its deep copy of every string (it
        was a tenth of the cost of casting a ballot). Plain values, lists, tuples,
        dicts and nested dataclasses are converted here; anything else (a named
        tuple, a dict subclass...) takes `asdict` itself."""
        try:
            return _fields_of(self)
        except _Unusual:
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


_ATOMS = frozenset({str, int, float, bool, type(None)})  # asdict returns these as they are
_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


class _Unusual(Exception):
    """A value `_plain` leaves to `dataclasses.asdict`."""


def _fields_of(obj: Any) -> dict[str, Any]:
    names = _FIELD_NAMES.get(type(obj))
    if names is None:
        names = _FIELD_NAMES[type(obj)] = tuple(f.name for f in dataclasses.fields(obj))
    return {name: _plain(getattr(obj, name)) for name in names}


def _plain(value: Any) -> Any:
    kind = type(value)
    if kind in _ATOMS:
        return value
    if kind is tuple or kind is list:
        return kind(_plain(v) for v in value)
    if kind is dict:
        return {_plain(k): _plain(v) for k, v in value.items()}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return _fields_of(value)
    raise _Unusual(kind)


def wrap(
    event: DomainEvent,
    *,
    stream: str,
    stream_version: int,
    meta: Meta,
    occurred_at: datetime,
    consultation_id: str | None = None,
    event_id: str | None = None,
) -> Envelope:
    """`event` in its envelope; `event_id`: one the caller named (the same each time
    the same thing is written, as a Pol.is import's events), else a new one."""
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
        event_id=new_id() if event_id is None else event_id,
    )


def _name(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


def registered_event_types() -> dict[tuple[str, int], type[DomainEvent]]:
    """Every (type, version) declared by an imported `events` module."""
    return dict(_REGISTRY)


def event_class(event_type: str, version: int) -> type[DomainEvent]:
    return _REGISTRY[(event_type, version)]


def correlation_id() -> str | None:
    return _correlation_id.get()


def set_correlation_id(value: str | None) -> str:
    """Adopt `value` if acceptable, else a new id; returns the id in force."""
    chosen = value if value is not None and _ACCEPTABLE.match(value) else new_id()
    _correlation_id.set(chosen)
    return chosen
