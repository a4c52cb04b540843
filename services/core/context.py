"""The correlation id of the request (or job) being handled, in a contextvar so
logs and command metadata pick it up without threading it through every call."""

from __future__ import annotations

import re
from contextvars import ContextVar

from services.core.ids import new_id

_correlation_id: ContextVar[str | None] = ContextVar("parlons_correlation_id", default=None)
# What we accept from a client: short, plain; anything else is replaced (no log injection).
_ACCEPTABLE = re.compile(r"^[A-Za-z0-9._:-]{1,100}$")


def correlation_id() -> str | None:
    return _correlation_id.get()


def set_correlation_id(value: str | None) -> str:
    """Adopt `value` if acceptable, else a new id; returns the id in force."""
    chosen = value if value is not None and _ACCEPTABLE.match(value) else new_id()
    _correlation_id.set(chosen)
    return chosen
