"""HTTP request metrics: one pure ASGI middleware, outermost, that observes each
request's duration under its route template and status class, counts the
requests refused by a rate limit (429) and keeps the in-flight gauge.

The route is the template the router matched (`/consultations/{cid}`), read from
`scope["route"]` after the request, so the label set is bounded by the app's
routes: a raw path (ids, slugs) never becomes a label (ADR 0055). A mount
(`/static`) is labelled `/static/{path}`; a request no route matched is
`<unmatched>`. The children are cached per label tuple (`metrics.Children`): one dict lookup per
request instead of `labels()`'s locking and validation."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from starlette.routing import BaseRoute, Mount
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from services.runtime.metrics import Children, Metrics

UNMATCHED = "<unmatched>"


def route_template(scope: Scope, endpoints: Mapping[Any, str]) -> str:
    """The template of the route that served `scope`, from what the router left
    in it: the route (FastAPI's), else the endpoint (a plain Starlette route, such
    as a hot route), else a mount's root path."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    if isinstance(path, str) and not isinstance(route, Mount):
        return path or "/"
    if "app_root_path" in scope:  # a mount (static files) set it
        return f"{scope.get('root_path', '')}/{{path}}"
    endpoint = scope.get("endpoint")
    if endpoint is not None:
        return endpoints.get(endpoint, UNMATCHED)
    return UNMATCHED


def status_class(status: int) -> str:
    return f"{status // 100}xx"


class HttpMetricsMiddleware:
    def __init__(self, app: ASGIApp, metrics: Metrics,
                 routes: Callable[[], Sequence[BaseRoute]] = list) -> None:
        self.app = app
        self._metrics = metrics
        self._routes = routes
        self._endpoints: dict[Any, str] | None = None  # built at the first request
        self._durations = Children(metrics.http_duration)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # an exception before the response starts is answered 500

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        in_flight = self._metrics.http_in_flight
        in_flight.inc()
        try:
            await self.app(scope, receive, send_status)
        finally:
            in_flight.dec()
            self._observe(scope, status, time.perf_counter() - started)

    def _observe(self, scope: Scope, status: int, seconds: float) -> None:
        if self._endpoints is None:
            self._endpoints = {}
            for r in self._routes():
                endpoint, path = getattr(r, "endpoint", None), getattr(r, "path", None)
                if endpoint is not None and isinstance(path, str):
                    self._endpoints.setdefault(endpoint, path)
        route = route_template(scope, self._endpoints)
        self._durations.of(scope["method"], route, status_class(status)).observe(seconds)
        if status == 429:
            self._metrics.rate_limited.labels(route=route).inc()
