"""The runtime app's HTTP front (services/runtime/http_front.py, ADR 0106): one layer
outermost where five were, with the same answers, and FastAPI's OpenTelemetry check
made once rather than per request."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi.middleware.asyncexitstack import AsyncExitStackMiddleware
from fastapi.telemetry._asgi import ExceptionTelemetryMiddleware
from prometheus_client import generate_latest
from starlette.middleware.exceptions import ExceptionMiddleware

from services.apikit.idempotency import IdempotencyMiddleware
from services.runtime.app import ParlonsApp, create_app
from services.runtime.bootstrap import Container, bootstrap
from services.runtime.http_front import HttpFront
from services.runtime.settings import Settings
from services.web.backoffice.guard import BackOfficeGuard
from services.web.page_cache import PublicPages
from services.web.session_gate import SessionGate


def layers(app: ParlonsApp) -> list[type]:
    found, layer = [], app.build_middleware_stack()
    while layer is not app.router:
        found.append(type(layer))
        layer = layer.app  # type: ignore[attr-defined]
    return found


@pytest.fixture
async def platform() -> AsyncIterator[tuple[ParlonsApp, Container]]:
    container = bootstrap(Settings(event_log="memory", read_store="memory",
                                   max_body_bytes=2048))
    app = create_app(container)
    assert isinstance(app, ParlonsApp)

    async def boom() -> None:
        raise RuntimeError("bug")

    async def inside() -> dict[str, str]:  # what a scrape says while a request is served
        return {"scrape": generate_latest(container.metrics.registry).decode()}

    app.add_api_route("/api/boom", boom)
    app.add_api_route("/api/inside", inside)
    async with container:
        yield app, container


def client(app: ParlonsApp) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app, raise_app_exceptions=False),
                             base_url="http://parlons.test")


async def test_one_front_layer_where_fastapi_and_the_runtime_stacked_eight(
        platform: tuple[ParlonsApp, Container]) -> None:
    app, _ = platform
    assert layers(app) == [HttpFront, IdempotencyMiddleware, PublicPages, SessionGate,
                           BackOfficeGuard, ExceptionMiddleware, AsyncExitStackMiddleware]


async def test_opentelemetry_is_looked_for_once_and_its_layer_kept_when_found(
        platform: tuple[ParlonsApp, Container], monkeypatch: pytest.MonkeyPatch) -> None:
    app, _ = platform
    looked: list[bool] = []

    def enabled() -> bool:
        looked.append(True)
        return False

    monkeypatch.setattr(app._native_telemetry, "enabled", enabled)
    async with client(app) as c:
        for _ in range(3):
            assert (await c.get("/healthz")).status_code == 200
    assert looked == [True]
    observed = ParlonsApp()
    observed.front, observed._telemetry_on = app.front, True
    assert layers(observed)[:2] == [HttpFront, ExceptionTelemetryMiddleware]


async def test_an_escaping_exception_is_answered_500_counted_and_logged(
        platform: tuple[ParlonsApp, Container], caplog: pytest.LogCaptureFixture) -> None:
    app, container = platform
    caplog.set_level(logging.INFO, logger="parlons.access")
    async with client(app) as c:
        r = await c.get("/api/boom")
    assert r.status_code == 500 and r.json()["error"] == "internal"
    assert r.headers["x-frame-options"] == "DENY" and "content-security-policy" in r.headers
    # the correlation id was added inside the error layer: a 500 never carried it
    assert "x-correlation-id" not in r.headers
    assert [(x.path, x.status) for x in caplog.records  # type: ignore[attr-defined]
            if x.name == "parlons.access"] == [("/api/boom", 500)]
    scrape = generate_latest(container.metrics.registry).decode()
    assert ('parlons_http_request_duration_seconds_count{method="GET",route="/api/boom",'
            'status_class="5xx"} 1.0') in scrape


async def test_a_413_and_a_given_request_id_carry_every_header(
        platform: tuple[ParlonsApp, Container], caplog: pytest.LogCaptureFixture) -> None:
    app, container = platform
    caplog.set_level(logging.INFO, logger="parlons.access")
    async with client(app) as c:
        r = await c.post("/api/consultations", content=b"x" * 5000,
                         headers={"Content-Type": "application/json", "X-Request-Id": "r-413"})
    assert r.status_code == 413 and r.json()["error"] == "payload_too_large"
    assert [(k, v) for k, v in r.headers.multi_items()][:5] == [
        ("content-type", "application/json"), ("content-length", "112"),
        ("connection", "close"), ("x-correlation-id", "r-413"), ("x-request-id", "r-413")]
    assert r.headers["x-content-type-options"] == "nosniff"
    assert [x.status for x in caplog.records  # type: ignore[attr-defined]
            if x.name == "parlons.access"] == [413]
    scrape = generate_latest(container.metrics.registry).decode()
    assert ('parlons_http_request_duration_seconds_count{method="POST",route="<unmatched>",'
            'status_class="4xx"} 1.0') in scrape


async def test_the_requests_in_flight_are_counted(platform: tuple[ParlonsApp, Container]) -> None:
    app, container = platform
    gauge = "parlons_http_requests_in_flight "
    async with client(app) as c:
        during = (await c.get("/api/inside")).json()["scrape"]
        await c.get("/api/boom")
    after = generate_latest(container.metrics.registry).decode()
    assert f"{gauge}1.0" in during and f"{gauge}0.0" in after


async def test_a_fastapi_built_otherwise_is_served_whole_inside_the_front(
        platform: tuple[ParlonsApp, Container], monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    """`pyproject.toml` admits any FastAPI below 1.0: one whose private layers moved
    (or that has none) must still serve, through its whole stack, with the front's
    headers and FastAPI's own 500, not fail at its first request."""
    import services.runtime.fastapi_stack as fastapi_stack

    app, _ = platform
    monkeypatch.setattr(fastapi_stack, "ExceptionTelemetryMiddleware", None)  # moved
    app.middleware_stack = None
    caplog.set_level(logging.WARNING, logger="parlons.http")
    async with client(app) as c:
        ok = await c.get("/healthz")
        boom = await c.get("/api/boom")
    assert ok.status_code == 200 and ok.headers["x-frame-options"] == "DENY"
    assert "x-correlation-id" in ok.headers
    assert boom.status_code == 500 and boom.json()["error"] == "internal"
    assert boom.headers["x-frame-options"] == "DENY"
    assert any("fastapi_stack.py" in r.getMessage() for r in caplog.records)
    assert layers(app)[0] is HttpFront and has_its_own_error_layer(layers(app))


def has_its_own_error_layer(found: list[type]) -> bool:
    from starlette.middleware.errors import ServerErrorMiddleware
    return any(issubclass(k, ServerErrorMiddleware) and k is not HttpFront for k in found)


def test_a_fastapi_without_native_telemetry_counts_as_observed() -> None:
    """Then every request takes FastAPI's own `__call__`, whatever it does."""
    app = ParlonsApp()
    del app._native_telemetry
    assert app.telemetry() is True
