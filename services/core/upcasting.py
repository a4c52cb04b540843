"""Upcasters turn an event's data from version N to N+1, so readers only ever
handle the latest version. They live beside the event they upgrade
(`<service>/events.py`) and register here with `@upcaster(type, from_version)`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from services.core.envelope import Envelope

Data = dict[str, Any]
Upcaster = Callable[[Data], Data]

_UPCASTERS: dict[tuple[str, int], Upcaster] = {}


def upcaster(event_type: str, from_version: int) -> Callable[[Upcaster], Upcaster]:
    def register(fn: Upcaster) -> Upcaster:
        key = (event_type, from_version)
        if key in _UPCASTERS and _UPCASTERS[key] is not fn:
            raise TypeError(f"two upcasters for {event_type} v{from_version}")
        _UPCASTERS[key] = fn
        return fn

    return register


def has_upcaster(event_type: str, from_version: int) -> bool:
    return (event_type, from_version) in _UPCASTERS


def upcast_data(event_type: str, version: int, data: Data) -> tuple[int, Data]:
    """Apply upcasters in sequence while one exists for the current version."""
    while (fn := _UPCASTERS.get((event_type, version))) is not None:
        data = fn(dict(data))
        version += 1
    return version, data


def upcast(event: Envelope) -> Envelope:
    version, data = upcast_data(event.type, event.schema_version, event.data)
    if version == event.schema_version:
        return event
    return replace(event, schema_version=version, data=data)
