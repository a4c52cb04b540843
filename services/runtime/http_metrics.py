"""HTTP request metrics, recorded by the runtime's HTTP front (outermost, ADR
0106): each request's duration under its route template and status class, the
requests refused by a rate limit (429) and the in-flight gauge.

The route is the template the router matched (`/consultations/{cid}`), read from
`scope["route"]` after the request, so the label set is bounded by the app's
routes: a raw path (ids, slugs) never becomes a label (ADR 0055). A mount
(`/static`) is labelled `/static/{path}`; a request no route matched is
`<unmatched>`. The children are cached per label tuple (`metrics.Children`): one dict lookup per
request instead of `labels()`'s locking and validation."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from starlette.routing import BaseRoute, Mount
from starlette.types import Scope

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


class RequestMetrics:
    """What the HTTP front (services/runtime/http_front.py) records of each request:
    its duration under its route template and status class, a 429 as a rate-limit
    refusal, and the requests in flight."""

    def __init__(self, metrics: Metrics,
                 routes: Callable[[], Sequence[BaseRoute]] = list) -> None:
        self._metrics = metrics
        self._routes = routes
        self._endpoints: dict[Any, str] | None = None  # built at the first request
        self._durations = Children(metrics.http_duration)
        self.in_flight = metrics.http_requests_in_flight

    def observe(self, scope: Scope, status: int, seconds: float) -> None:
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
