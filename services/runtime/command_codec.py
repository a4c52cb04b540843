"""Commands, their metadata and their outcomes as JSON documents, for the command
topics of the distributed topology (ADR 0035).

A command is a frozen dataclass of plain values (strings, numbers, tuples,
frozensets, mappings, aware datetimes as ISO 8601, nested dataclasses such as
`ParticipantContext`, a questionnaire's `Answer` or a `PhaseSpec`); it is rebuilt from
its type hints. Its type is looked up in the table of routed commands the
caller passes, never imported from a name read off the wire.

An outcome is the handler's JSON answer, or the error it raised, rebuilt on the
front as the same error type so the HTTP answer is the one the embedded
topology gives (422 for a refusal, 404, 409, 503...). An error of any other
type is an internal error on the front (500), its text not passed on.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from services.core.envelope import Actor
from services.core.errors import (
    AccessRefused,
    ConcurrencyConflict,
    DomainError,
    EventLogUnavailable,
    InvalidEvent,
    InvalidFields,
    NotFound,
    StoreUnavailable,
    Unavailable,
)
from services.core.events import Meta


class RemoteFailure(RuntimeError):
    """The service's handler failed unexpectedly (a bug, not a refusal)."""


def command_name(kind: type) -> str:
    return f"{kind.__module__.split('.')[1]}.{kind.__name__}"


def encode_command(command: object, meta: Meta) -> dict[str, Any]:
    return {"type": command_name(type(command)), "command": _plain(command),
            "meta": {"actor": {"id": meta.actor.id, "role": meta.actor.role},
                     "correlation_id": meta.correlation_id,
                     "causation_id": meta.causation_id}}


def decode_command(body: Mapping[str, Any], known: Mapping[str, type]) -> tuple[object, Meta]:
    """The command and its metadata; `KeyError` for a type not in `known`."""
    kind = known[str(body["type"])]
    meta = body["meta"]
    return (_build(kind, body["command"]),
            Meta(actor=Actor(id=str(meta["actor"]["id"]), role=str(meta["actor"]["role"])),
                 correlation_id=str(meta["correlation_id"]),
                 causation_id=meta.get("causation_id")))


def encode_result(result: Any) -> dict[str, Any]:
    return {"ok": True, "result": result}


def encode_error(error: BaseException) -> dict[str, Any]:
    if isinstance(error, InvalidFields):  # the first one's, then each (ADR 0144)
        return _error("domain", code=error.code, message=error.message, field=error.field,
                      errors=[{"code": e.code, "message": e.message, "field": e.field}
                              for e in error.errors])
    if isinstance(error, DomainError):
        return _error("domain", code=error.code, message=error.message, field=error.field)
    if isinstance(error, AccessRefused):
        return _error("access", status=error.status, code=error.code, message=error.message)
    if isinstance(error, NotFound):
        return _error("not_found", what=error.what)
    if isinstance(error, ConcurrencyConflict):
        return _error("conflict", stream=error.stream, expected=error.expected,
                      actual=error.actual)
    if isinstance(error, InvalidEvent):
        return _error("invalid_event", event_type=error.event_type, field=error.field,
                      reason=error.reason)
    if isinstance(error, StoreUnavailable):
        return _error("store_unavailable", message=str(error))
    if isinstance(error, Unavailable):
        return _error("unavailable", message=str(error))
    return _error("internal", type=type(error).__name__)


def decode_outcome(outcome: Mapping[str, Any]) -> Any:
    """The handler's result, or raises the error it raised."""
    if outcome.get("ok"):
        return outcome.get("result")
    e = outcome.get("error") or {}
    kind = e.get("kind")
    if kind == "domain" and e.get("errors"):
        raise InvalidFields([DomainError(str(each["code"]), str(each["message"]),
                                         field=each.get("field")) for each in e["errors"]])
    if kind == "domain":
        raise DomainError(e["code"], e["message"], field=e.get("field"))
    if kind == "access":
        raise AccessRefused(int(e["status"]), e["code"], e["message"])
    if kind == "not_found":
        raise _not_found(str(e["what"]))
    if kind == "conflict":
        raise ConcurrencyConflict(e["stream"], int(e["expected"]), int(e["actual"]))
    if kind == "invalid_event":
        raise InvalidEvent(e["event_type"], e["field"], e["reason"])
    if kind == "store_unavailable":
        raise StoreUnavailable(e.get("message", ""))
    if kind == "unavailable":
        raise EventLogUnavailable(e.get("message", ""))
    raise RemoteFailure(f"the service failed: {e.get('type', 'unknown error')}")


def _not_found(what: str) -> NotFound:
    return NotFound(what)


def _error(kind: str, **fields: Any) -> dict[str, Any]:
    return {"ok": False, "error": {"kind": kind, **fields}}


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, frozenset | set):
        return sorted(_plain(v) for v in value)
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, datetime):  # phases and meetings are dated
        return value.isoformat()
    return value


def _build(kind: type, data: Mapping[str, Any]) -> Any:
    hints = typing.get_type_hints(kind)
    return kind(**{f.name: _value(hints[f.name], data[f.name])
                   for f in dataclasses.fields(kind) if f.name in data})


def _value(hint: Any, value: Any) -> Any:
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        if value is None:
            return None
        return _value(next(a for a in args if a is not type(None)), value)
    if origin is tuple:
        item = args[0] if args else Any
        return tuple(_value(item, v) for v in value)
    if origin in (frozenset, set):
        return frozenset(_value(args[0] if args else Any, v) for v in value)
    if origin in (dict, Mapping) and len(args) == 2:  # a questionnaire's answers
        return {str(k): _value(args[1], v) for k, v in value.items()}
    if origin is dict or hint is Any:
        return value
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        return _build(hint, value)
    if hint is datetime:
        return datetime.fromisoformat(value)
    return value
