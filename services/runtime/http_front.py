"""The runtime app's HTTP front: what every request goes through before the app's
own middlewares, as ONE pure ASGI layer (ADR 0106). Outermost first, it does what
five stacked layers did, each of which wrapped `send` and two of which read the
headers into a dict:

- the security headers on every answer, the 500s included (ADR 0043);
- the last-resort 500: an exception that escapes the app is answered by the app's
  handler for `Exception` (or Starlette's default) if no answer has started, then
  re-raised for the server to log (Starlette's `ServerErrorMiddleware`, whose
  answers this class inherits);
- the HTTP metrics (services/runtime/http_metrics.py);
- the correlation id: the caller's `X-Request-Id` (else `X-Correlation-Id`) when
  acceptable, else a new one, in the context for logs and commands and on the
  answer; one access line per request: method, path, status, duration, never the
  client address nor the query string (it may carry tokens);
- the body limits (services/runtime/body_limit.py).

The answers are those of the five layers in that order: a 500 answered here carries
the security headers but no correlation id (that layer sat inside the error one),
and is counted and logged as a 500; a 413 carries both."""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from starlette._utils import is_async_callable
from starlette.concurrency import run_in_threadpool
from starlette.middleware.errors import ServerErrorMiddleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, ExceptionHandler, Message, Receive, Scope, Send

from services.core.events import set_correlation_id
from services.runtime.body_limit import BodyLimits, BodyTooLarge, PageRenderer, refusal
from services.runtime.http_metrics import RequestMetrics
from services.web.headers import sending_with

access_log = logging.getLogger("parlons.access")


@dataclass(frozen=True, slots=True)
class FrontConfig:
    metrics: RequestMetrics
    limits: BodyLimits
    security: Sequence[tuple[bytes, bytes]]  # web.headers.security_headers
    too_large_page: PageRenderer | None = None  # the site's page for a 413 (web.errors)


class HttpFront(ServerErrorMiddleware):
    def __init__(self, app: ASGIApp, config: FrontConfig, *,
                 handler: ExceptionHandler | None = None, debug: bool = False) -> None:
        super().__init__(app, handler=handler, debug=debug)
        self._metrics = config.metrics
        self._limits = config.limits
        self._security = tuple(config.security)
        self._too_large_page = config.too_large_page

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        began = time.perf_counter()
        # One pass over the headers; the last of a repeated header wins, as in a dict.
        request_id = correlation = None
        content_type = declared = b""
        for name, value in scope["headers"]:
            if name == b"x-request-id":
                request_id = value
            elif name == b"x-correlation-id":
                correlation = value
            elif name == b"content-type":
                content_type = value
            elif name == b"content-length":
                declared = value
        given = request_id or correlation
        cid = set_correlation_id(given.decode("latin-1") if given else None).encode()
        added = ((b"x-correlation-id", cid), (b"x-request-id", cid), *self._security)
        limit = self._limits.of(content_type)
        status = 500  # an exception before the answer starts is answered 500
        started = cut = False
        received = 0

        async def counted_receive() -> Message:
            nonlocal received, cut
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    cut = True
                    raise BodyTooLarge
            return message

        async def answer(message: Message) -> None:
            nonlocal status, started
            if cut:  # the body was cut: whatever the app answers, the 413 replaces it
                return
            if message["type"] == "http.response.start":
                status, started = message["status"], True
                message["headers"] = [*message.get("headers", []), *added]
            await send(message)

        in_flight = self._metrics.in_flight
        in_flight.value += 1
        try:
            try:
                try:
                    if declared.isdigit() and int(declared) > limit:
                        cut = True  # refused unread
                    else:
                        await self.app(scope, counted_receive, answer)
                except Exception:
                    if not cut or started:
                        raise
                if cut and not started:
                    status, started = 413, True
                    start, body = refusal(scope, limit, self._too_large_page)
                    start["headers"] = [*start["headers"], *added]
                    await send(start)
                    await send(body)
            finally:  # measured and logged before a 500 is answered below
                in_flight.value -= 1
                seconds = time.perf_counter() - began
                self._metrics.observe(scope, status, seconds)
                if access_log.isEnabledFor(logging.INFO):
                    access_log.info("request", extra={
                        "method": scope["method"], "path": scope["path"], "status": status,
                        "duration_ms": round(seconds * 1000, 2)})
        except Exception as exc:
            if not started:
                response = await self._error_response(scope, exc)
                await response(scope, receive, sending_with(send, self._security))
            raise

    async def _error_response(self, scope: Scope, exc: Exception) -> Response:
        """ServerErrorMiddleware's answer to `exc`."""
        request = Request(scope)
        if self.debug:
            return await run_in_threadpool(self.debug_response, request, exc)
        handler: Any = self.handler  # typed for HTTP and websockets alike
        if handler is None:
            return self.error_response(request, exc)
        response: Response = (await handler(request, exc) if is_async_callable(handler)
                              else await run_in_threadpool(handler, request, exc))
        return response
