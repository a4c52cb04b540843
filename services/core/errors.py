"""Errors that cross layers. The HTTP layer maps each to one status code."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from types import TracebackType
from typing import ParamSpec, TypeVar

_P = ParamSpec("_P")
_T = TypeVar("_T")


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


class InvalidFields(DomainError):
    """Several refusals of one command, each naming its field, in the order the
    fields were checked (a form's order): a form shows them all at once (RGAA 11.10,
    ADR 0144) instead of one a round trip. Its own `code`, `message` and `field` are
    the first refusal's, so whoever reads a single DomainError (the JSON error shape,
    the CLI, the command topics of a client that knows no more) reads what it read
    before."""

    def __init__(self, errors: Sequence[DomainError]) -> None:
        if not errors:
            raise ValueError("InvalidFields needs at least one refusal")
        first = errors[0]
        super().__init__(first.code, first.message, field=first.field)
        self.errors: tuple[DomainError, ...] = tuple(errors)

    def __call__(self) -> InvalidFields:
        return InvalidFields([e() for e in self.errors])


def refusals_of(error: DomainError) -> tuple[DomainError, ...]:
    """Each refusal `error` stands for: its list, or itself alone."""
    return error.errors if isinstance(error, InvalidFields) else (error,)


class Refusals:
    """Gathers the refusals of a command's independent checks, so that each check
    runs and all are reported together (ADR 0144):

        with Refusals() as refused:
            title = refused.check(text, cmd.title, "title", label=..., max_len=200)
            with refused.field():
                ident(cmd.slug, "slug")
            if not refused.failed("starts_at", "ends_at") and cmd.ends_at <= cmd.starts_at:
                raise DomainError(..., field="ends_at")

    A check that needs an earlier value asks `failed` first and is skipped when
    that value was refused. Leaving the block raises what was gathered: nothing, the
    one DomainError as it was raised, or an `InvalidFields` of them all. A
    DomainError raised in the block itself (not in `check` or `field`) ends it and
    is reported after the ones gathered before it."""

    def __init__(self) -> None:
        self.errors: list[DomainError] = []

    def add(self, error: DomainError) -> None:
        self.errors.extend(refusals_of(error))

    def check(self, fn: Callable[_P, _T], /, *args: _P.args, **kwargs: _P.kwargs) -> _T | None:
        """`fn(*args, **kwargs)`, or None once its DomainError is gathered."""
        try:
            return fn(*args, **kwargs)
        except DomainError as refused:
            self.add(refused)
            return None

    @contextmanager
    def field(self) -> Iterator[None]:
        """A block whose DomainError is gathered, the checks after it still run."""
        try:
            yield
        except DomainError as refused:
            self.add(refused)

    def failed(self, *fields: str) -> bool:
        """Whether a refusal names one of `fields` or a field under one of them
        (`phases.0` covers `phases.0.title`); without `fields`, any refusal."""
        if not fields:
            return bool(self.errors)
        return any(e.field is not None and any(
            e.field == f or e.field.startswith(f + ".") for f in fields) for e in self.errors)

    def raise_any(self) -> None:
        if len(self.errors) == 1:
            raise self.errors[0]
        if self.errors:
            raise InvalidFields(self.errors)

    def __enter__(self) -> Refusals:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 traceback: TracebackType | None) -> None:
        if error is None:
            self.raise_any()
        elif isinstance(error, DomainError) and self.errors:
            self.add(error)
            self.raise_any()


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

