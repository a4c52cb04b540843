"""Request body limits, enforced before anything reads the body.

Without them a client could send gigabytes: Starlette spools a multipart upload to a
temporary file before any handler can check its size, and buffers a form or JSON body
in memory. A declared `Content-Length` above the limit gets 413 without reading a
byte; a body sent without one (chunked) is counted as it streams and cut at the limit.
Multipart bodies (document uploads) may carry the largest accepted upload plus some
room for the other fields; every other body is bounded by `max_body_bytes`."""

from __future__ import annotations

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

MULTIPART_OVERHEAD = 64 * 1024  # the form's other fields and part headers
MESSAGE = "La requête est trop volumineuse."


class BodyTooLarge(Exception):
    pass


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp, *, max_body_bytes: int, upload_max_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.max_multipart_bytes = upload_max_bytes + MULTIPART_OVERHEAD

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        multipart = headers.get(b"content-type", b"").startswith(b"multipart/form-data")
        limit = self.max_multipart_bytes if multipart else self.max_body_bytes
        declared = headers.get(b"content-length", b"")
        if declared.isdigit() and int(declared) > limit:
            await _refuse(scope, send, limit)
            return
        received = 0
        too_large = started = False

        async def counted_receive() -> Message:
            nonlocal received, too_large
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    too_large = True
                    raise BodyTooLarge
            return message

        async def watched_send(message: Message) -> None:
            # Once the body is cut, whatever the app answers (its error page for the
            # exception above) is replaced by the 413.
            nonlocal started
            if too_large:
                return
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted_receive, watched_send)
        except Exception:
            if not too_large or started:
                raise
        if too_large and not started:
            await _refuse(scope, send, limit)


async def _refuse(scope: Scope, send: Send, limit: int) -> None:
    accepts_html = b"text/html" in dict(scope["headers"]).get(b"accept", b"")
    detail = f"{MESSAGE} Taille maximale : {_human(limit)}."
    if accepts_html:
        body = ("<!doctype html><html lang=\"fr\"><head><meta charset=\"utf-8\">"
                "<title>Requête trop volumineuse</title></head><body><main>"
                f"<h1>Requête trop volumineuse</h1><p>{detail}</p>"
                "<p>Revenez au formulaire avec le bouton « Retour » de votre navigateur.</p>"
                "</main></body></html>").encode()
        media = b"text/html; charset=utf-8"
    else:
        body = orjson.dumps({"error": "payload_too_large", "message": detail, "field": None})
        media = b"application/json"
    await send({"type": "http.response.start", "status": 413,
                "headers": [(b"content-type", media), (b"content-length", str(len(body)).encode()),
                            (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": body})


def _human(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.0f} Mo"
    return f"{max(1, size // 1024)} Ko"
