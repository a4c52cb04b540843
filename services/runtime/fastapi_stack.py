"""FastAPI's own outer layers, taken apart for the runtime's HTTP front (ADR 0106).

FastAPI 0.165 wraps the app's middlewares in three layers of its own:
`ServerErrorMiddleware` (the last-resort 500), `ExceptionTelemetryMiddleware`
(hands an escaping exception to its native OpenTelemetry, a no-op without it) and
`AppBodyLimitMiddleware` (FastAPI's `max_body_size`, a pass-through without it).
The HTTP front answers the 500s itself, so the first goes; the other two stay only
when they have something to do.

Those two layers live in FastAPI's private modules, and `pyproject.toml` admits any
FastAPI below 1.0: a FastAPI that builds its stack otherwise (an older one without
them, a newer one that moved them) is served through its whole stack, inside the
HTTP front, with one warning: the same answers (FastAPI's own 500 layer answers
first and the front adds its headers), only the cost of the layers kept."""

from __future__ import annotations

import logging
from typing import Any

from starlette.middleware.errors import ServerErrorMiddleware
from starlette.types import ASGIApp

log = logging.getLogger("parlons.http")

try:  # private to FastAPI: see the module's docstring
    from fastapi._body_limit import AppBodyLimitMiddleware
    from fastapi.telemetry._asgi import ExceptionTelemetryMiddleware
except ImportError:  # pragma: no cover - another FastAPI: the whole stack is served
    AppBodyLimitMiddleware = ExceptionTelemetryMiddleware = None  # type: ignore[assignment,misc]


def app_layers(stack: ASGIApp, *, telemetry: bool,
               body_limit: bool) -> tuple[ServerErrorMiddleware | None, ASGIApp]:
    """FastAPI's error layer (its handler and debug flag), and what the HTTP front
    wraps: the app's middlewares, behind FastAPI's telemetry and body limit layers
    when they are in use. (None, the whole stack) when it is not built as expected."""
    errors = stack if isinstance(stack, ServerErrorMiddleware) else None
    observed = _inner(errors, ExceptionTelemetryMiddleware)
    limited = _inner(observed, AppBodyLimitMiddleware)
    if errors is None or observed is None or limited is None:
        log.warning("FastAPI's middleware stack is not the one services/runtime/"
                    "fastapi_stack.py knows: served whole inside the HTTP front")
        return None, stack
    inner = limited if body_limit else limited.app  # without a limit, .app is unwrapped
    return errors, ExceptionTelemetryMiddleware(inner) if telemetry else inner


def _inner(layer: Any, kind: type | None) -> Any:
    """`layer.app` when it is a `kind`, else None."""
    if layer is None or kind is None:
        return None
    found = getattr(layer, "app", None)
    return found if isinstance(found, kind) else None
