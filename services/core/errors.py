"""Errors that cross layers. The HTTP layer maps each to one status code."""

from __future__ import annotations


class ParlonsError(Exception):
    """Base of every error Parlons raises on purpose."""


class InvalidEvent(ParlonsError):
    """An event does not match its schema. `field` names the JSON path at fault."""

    def __init__(self, event_type: str, field: str, reason: str) -> None:
        super().__init__(f"{event_type}: field '{field}': {reason}")
        self.event_type = event_type
        self.field = field
        self.reason = reason


class UnknownEventType(ParlonsError):
    def __init__(self, event_type: str, version: int | None = None) -> None:
        what = event_type if version is None else f"{event_type} v{version}"
        super().__init__(f"no schema for event type {what}")
        self.event_type = event_type
        self.version = version


class ConcurrencyConflict(ParlonsError):
    """The stream moved on since the caller read it (optimistic concurrency)."""

    def __init__(self, stream: str, expected: int, actual: int) -> None:
        super().__init__(
            f"stream '{stream}' is at version {actual}, expected {expected}"
        )
        self.stream = stream
        self.expected = expected
        self.actual = actual


class Unavailable(ParlonsError):
    """A dependency cannot do its job right now (disk full or failing, a lock held,
    a server down) and the same call may succeed later. Each adapter translates its
    driver's errors of that kind into a subclass at the port boundary, so callers
    tell an outage from a bug without knowing the driver: a worker retries an
    outage without end and never dead-letters it (ADR 0031)."""


class EventLogUnavailable(Unavailable):
    """The log could not make a write durable (disk full, I/O error, broker down).
    Nothing in the failed call was acknowledged. HTTP answers 503."""


class StoreUnavailable(Unavailable):
    """The read store could not read or write (disk full, I/O error, database
    locked, server down). A failed transaction left nothing behind."""


class DomainError(ParlonsError):
    """A command refused by the domain; `code` is stable, `message` is French
    and shown to the user.

    A refusal declared once at module level is a template: raise `REFUSAL()`, a
    fresh instance. A raised instance keeps its traceback, and raising a shared
    one again appends to it, so it would grow (holding every request's frames)
    with each refusal."""

    def __init__(self, code: str, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field

    def __call__(self) -> DomainError:
        return DomainError(self.code, self.message, field=self.field)


class NotFound(ParlonsError):
    def __init__(self, what: str) -> None:
        super().__init__(f"{what} introuvable")
        self.what = what


class AccessRefused(ParlonsError):
    """Nobody is logged in (401) or the actor may not (403); `code` is stable,
    `message` is French. Answered in the JSON error shape under /api/, as a page
    elsewhere."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message

    def __call__(self) -> AccessRefused:
        """A fresh instance of a module-level template (see `DomainError`)."""
        return AccessRefused(self.status, self.code, self.message)


class CommandTimedOut(EventLogUnavailable):
    """The service a command was sent to did not answer in time (distributed
    topology, ADR 0035): the outcome is unknown, so it is neither a success nor a
    refusal. HTTP answers 504; a retry with the same Idempotency-Key is safe."""

    def __init__(self, where: str, timeout_s: float) -> None:
        super().__init__(f"no answer from {where} within {timeout_s:g} s")
        self.where = where

