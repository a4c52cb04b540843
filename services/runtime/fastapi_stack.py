"""FastAPI's own outer layers, taken apart for the runtime's HTTP front (ADR 0106).

FastAPI 0.165 wraps the app's middlewares in three layers of its own:
`ServerErrorMiddleware` (the last-resort 500), `ExceptionTelemetryMiddleware`
(hands an escaping exception to its native OpenTelemetry, a no-op without it) and
`AppBodyLimitMiddleware` (FastAPI's `max_body_size`, a pass-through without it).
The HTTP front answers the 500s itself, so the first goes; the other two stay only
when they have something to do. A FastAPI whose stack is built otherwise makes
this fail at the first request rather than serve without a layer."""

from __future__ import annotations

from typing import TypeVar

from fastapi._body_limit import AppBodyLimitMiddleware
from fastapi.telemetry._asgi import ExceptionTelemetryMiddleware
from starlette.middleware.errors import ServerErrorMiddleware
from starlette.types import ASGIApp

T = TypeVar("T")


class UnexpectedStack(RuntimeError):
    pass


def app_layers(stack: ASGIApp, *, telemetry: bool,
               body_limit: bool) -> tuple[ServerErrorMiddleware, ASGIApp]:
    """FastAPI's error layer (its handler and debug flag), and what the HTTP front
    wraps: the app's middlewares, behind FastAPI's telemetry and body limit layers
    when they are in use."""
    errors = _expect(stack, ServerErrorMiddleware)
    observed = _expect(errors.app, ExceptionTelemetryMiddleware)
    limited = _expect(observed.app, AppBodyLimitMiddleware)
    inner = limited if body_limit else limited.app  # without a limit, .app is unwrapped
    return errors, ExceptionTelemetryMiddleware(inner) if telemetry else inner


def _expect(layer: object, kind: type[T]) -> T:
    if not isinstance(layer, kind):
        raise UnexpectedStack(f"FastAPI's middleware stack changed: {kind.__name__} expected, "
                              f"{type(layer).__name__} found (services/runtime/fastapi_stack.py)")
    return layer
