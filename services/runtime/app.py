"""The HTTP app factory. Nothing is built at import: `create_app(container)`
assembles, in one place, health and metrics routes, the hosted services' JSON
routers, the web front end (when the process hosts every service), the error
mapping, the idempotency middleware and the HTTP front (security headers, the
last-resort 500, HTTP metrics, correlation id + access log, body limits: one layer,
services/runtime/http_front.py). Routes reach the container's ports through
`ApiState` only."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from services.apikit.authz import bearer_matches
from services.apikit.deps import ApiState, install_state
from services.apikit.idempotency import IdempotencyMiddleware
from services.core.errors import (
    CommandTimedOut,
    ConcurrencyConflict,
    DomainError,
    EventLogUnavailable,
    InvalidEvent,
    InvalidFields,
    NotFound,
)
from services.runtime.body_limit import BodyLimits, PageRenderer
from services.runtime.bootstrap import Container
from services.runtime.fastapi_stack import app_layers
from services.runtime.http_front import FrontConfig, HttpFront
from services.runtime.http_metrics import RequestMetrics
from services.runtime.probes import metrics_response, readiness_response
from services.runtime.services import SERVICES
from services.web.headers import content_security_policy, security_headers
from services.web.settings import WebSettings

access_log = logging.getLogger("parlons.access")


def create_app(container: Container, *, web: bool | None = None) -> FastAPI:
    """`web`: install the web front end (default: when this process hosts every
    service, the embedded topology or the HTTP front). The container's lifecycle
    (start, workers, close) belongs to the runner
    (`services.runtime.runner.running`), not to the app."""
    # Production serves no API documentation on the public port (ADR 0043). FastAPI's
    # own /docs and /redoc load their scripts from a CDN, which the CSP refuses:
    # /docs is served below from the shipped Swagger UI instead.
    hidden: dict[str, Any] = ({"openapi_url": None} if container.settings.is_production
                              else {})
    app = ParlonsApp(title="Parlons", version="0.1.0", docs_url=None, redoc_url=None,
                     **hidden)
    state = ApiState(bus=container, store=container.store, ports=container.ports,
                     api_token=container.settings.api_token)
    install_state(app, state)
    # A service's hot route goes ahead of every router: each route passed before
    # costs every request a match (ADR 0019). It declines what it cannot read to
    # the router's route of the same path, so its place changes no answer.
    app.router.routes.extend(r for spec in container.services for r in spec.hot_routes)
    _add_operational_routes(app, container)
    for spec in container.services:
        if spec.router is not None:
            app.include_router(spec.router)
    csp = content_security_policy()
    page: ErrorPage | None = None
    too_large: PageRenderer | None = None
    if web if web is not None else set(container.service_names) >= set(SERVICES):
        from services.runtime.front import install_front
        from services.web.errors import error_page, too_large_page

        csp, page, too_large = install_front(app, container, state), error_page, too_large_page
        if not container.settings.is_production:
            app.add_api_route("/docs", api_docs, methods=["GET"], include_in_schema=False)
    _add_error_mapping(app, page)
    app.add_middleware(IdempotencyMiddleware, store=lambda: container.answers,
                       keep_s=container.settings.idempotency_keep_s)
    # Outermost, around every other layer: measures and identifies every request,
    # bounds its body, and puts the security headers on every answer.
    settings = container.settings
    app.front = FrontConfig(
        metrics=RequestMetrics(container.metrics, routes=lambda: app.router.routes),
        limits=BodyLimits(settings.max_body_bytes, settings.upload_max_bytes),
        security=security_headers(csp=csp, hsts=WebSettings().cookies_secure),
        too_large_page=too_large)
    return app


_API_DOCS = """<!doctype html>
<html lang="fr"><head><meta charset="utf-8"><title>API de Parlons</title>
<link rel="stylesheet" href="/static/vendor/swagger-ui/swagger-ui.css"></head>
<body><div id="swagger-ui"></div>
<script src="/static/vendor/swagger-ui/swagger-ui-bundle.js"></script>
<script src="/static/js/api-docs.js"></script></body></html>"""


async def api_docs() -> HTMLResponse:
    """The JSON API's documentation (development only), from local assets."""
    return HTMLResponse(_API_DOCS)


class ParlonsApp(FastAPI):
    """FastAPI with the HTTP front outermost (ADR 0106): every answer carries the
    security headers, Starlette's last-resort 500, the body limit's 413 and the
    back office's redirects and refusals included (ADR 0043); and FastAPI's native
    OpenTelemetry decided once, at the first request, instead of at every one."""

    front: FrontConfig | None = None
    _telemetry_on: bool | None = None  # FastAPI has its own `_telemetry` (the config)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self.telemetry():
            await super().__call__(scope, receive, send)
            return
        # FastAPI.__call__ for an app without OpenTelemetry, less its check.
        if self.root_path:
            scope["root_path"] = self.root_path
        scope["app"] = self
        if self.middleware_stack is None:
            self.middleware_stack = self.build_middleware_stack()
        await self.middleware_stack(scope, receive, send)

    def telemetry(self) -> bool:
        """Whether FastAPI's native OpenTelemetry observes requests: checked once.
        A provider must be configured before the server serves (as
        `opentelemetry-instrument` does); one set later is not seen."""
        if self._telemetry_on is None:
            # FastAPI's private attribute: a FastAPI without it (older, or changed)
            # counts as observed, and goes through its own `__call__` every time.
            enabled = getattr(getattr(self, "_native_telemetry", None), "enabled", None)
            self._telemetry_on = True if enabled is None else bool(enabled())
        return self._telemetry_on

    def build_middleware_stack(self) -> ASGIApp:
        stack = super().build_middleware_stack()
        if self.front is None:
            return stack
        errors, inner = app_layers(stack, telemetry=self.telemetry(),
                                   body_limit=getattr(self, "max_body_size", None) is not None)
        if errors is None:  # an unknown FastAPI: its whole stack, its own 500s inside
            return HttpFront(inner, self.front, debug=self.debug)
        return HttpFront(inner, self.front, handler=errors.handler, debug=errors.debug)


def _add_operational_routes(app: FastAPI, container: Container) -> None:
    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz", include_in_schema=False)
    async def readyz() -> JSONResponse:
        return await readiness_response(container)

    settings = container.settings

    @app.get("/metrics", include_in_schema=False)
    async def metrics(request: Request) -> Response:
        # Production: only with the metrics token, else as if there were none (ADR 0043).
        if settings.is_production and not bearer_matches(
                request.headers.get("authorization", ""), settings.metrics_token):
            return _error(404, "not_found", "Page introuvable.")
        return await metrics_response(container)


def _error(status: int, code: str, message: str, field: str | None = None,
           **more: Any) -> JSONResponse:
    return JSONResponse({"error": code, "message": message, "field": field, **more},
                        status_code=status)


# With the web front installed, what a page's form raised is answered with a page:
# the browser of a person submitting a form must not be shown JSON.
ErrorPage = Callable[[Request, int, str], Response | None]


def _add_error_mapping(app: FastAPI, page: ErrorPage | None = None) -> None:
    def answer(request: Request, status: int, code: str, message: str,
               field: str | None = None, **more: Any) -> Response:
        shown = page(request, status, message) if page is not None else None
        return shown if shown is not None else _error(status, code, message, field, **more)

    if Exception not in app.exception_handlers:  # the web front end renders a page
        @app.exception_handler(Exception)
        async def internal(_: Request, exc: Exception) -> JSONResponse:
            return _error(500, "internal", "Une erreur interne est survenue. "
                                           "Réessayez dans un instant.")

    @app.exception_handler(EventLogUnavailable)
    async def log_unavailable(request: Request, exc: EventLogUnavailable) -> Response:
        # Fail closed: nothing was acknowledged, so never answer 2xx.
        access_log.error("event log unavailable", extra={"error": str(exc)})
        response = answer(request, 503, "unavailable", "Votre demande n'a pas pu être "
                                                       "enregistrée. Réessayez dans un instant.")
        response.headers["Retry-After"] = "1"
        return response

    @app.exception_handler(CommandTimedOut)
    async def timed_out(request: Request, exc: CommandTimedOut) -> Response:
        # The service did not answer in time (ADR 0035): the outcome is unknown,
        # neither a success nor a refusal; the same Idempotency-Key retries it safely.
        access_log.error("command not answered in time", extra={"error": str(exc)})
        response = answer(request, 504, "timeout", "Votre demande n'a pas reçu de réponse "
                                                   "à temps. Réessayez : elle ne sera pas "
                                                   "comptée deux fois.")
        response.headers["Retry-After"] = "1"
        return response

    @app.exception_handler(ConcurrencyConflict)
    async def conflict(request: Request, exc: ConcurrencyConflict) -> Response:
        return answer(request, 409, "conflict", "Cette ressource a été modifiée entre-temps. "
                                                "Rechargez-la puis réessayez.")

    @app.exception_handler(DomainError)
    async def refused(request: Request, exc: DomainError) -> Response:
        if isinstance(exc, InvalidFields):  # the first one's, and each (ADR 0144)
            return answer(request, 422, exc.code, exc.message, exc.field, errors=[
                {"field": e.field, "code": e.code, "message": e.message} for e in exc.errors])
        return answer(request, 422, exc.code, exc.message, exc.field)

    @app.exception_handler(InvalidEvent)
    async def invalid_event(request: Request, exc: InvalidEvent) -> Response:
        return answer(request, 422, "invalid_event",
                      f"Donnée refusée : le champ « {exc.field} » n'est pas valide.",
                      exc.field, detail=exc.reason)

    @app.exception_handler(NotFound)
    async def not_found(request: Request, exc: NotFound) -> Response:
        return answer(request, 404, "not_found", str(exc))

    @app.exception_handler(RequestValidationError)
    async def bad_request(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [{"field": ".".join(str(p) for p in e["loc"]), "reason": e["msg"]}
                  for e in exc.errors()]
        first = errors[0]["field"] if errors else None
        return _error(422, "invalid_request",
                      f"Requête invalide : vérifiez le champ « {first} ».", first,
                      errors=errors)
