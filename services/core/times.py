"""The wire form of instants: ISO 8601 in UTC with a 'Z', in events, read models
and exports alike."""

from __future__ import annotations

from datetime import UTC, datetime


def iso(value: datetime) -> str:
    """`value` in UTC as ISO 8601 with 'Z' (an aware datetime: a naive one is
    refused rather than guessed)."""
    if value.tzinfo is None:
        raise ValueError("timestamps must be timezone-aware (UTC)")
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def parse_iso(value: str) -> datetime:
    """The inverse of `iso`; also reads '+00:00' and other offsets."""
    return datetime.fromisoformat(value.replace("Z", "+00:00"))
