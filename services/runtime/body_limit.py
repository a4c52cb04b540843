"""Request body limits, enforced before anything reads the body.

Without them a client could send gigabytes: Starlette spools a multipart upload to a
temporary file before any handler can check its size, and buffers a form or JSON body
in memory. A declared `Content-Length` above the limit gets 413 without reading a
byte; a body sent without one (chunked) is counted as it streams and cut at the limit.
Multipart bodies (document uploads) may carry the largest accepted upload plus some
room for the other fields; every other body is bounded by `max_body_bytes`.

The runtime's HTTP front applies them (services/runtime/http_front.py); this module
says what the limit of a request is and what its refusal looks like."""

from __future__ import annotations

from dataclasses import dataclass

import orjson
from starlette.types import Message, Scope

MULTIPART_OVERHEAD = 64 * 1024  # the form's other fields and part headers
MESSAGE = "La requête est trop volumineuse."


class BodyTooLarge(Exception):
    """Raised by the counting `receive` once a streamed body passes its limit."""


@dataclass(frozen=True, slots=True)
class BodyLimits:
    max_body_bytes: int
    upload_max_bytes: int

    def of(self, content_type: bytes) -> int:
        """The limit of a request whose `Content-Type` is `content_type`."""
        if content_type.startswith(b"multipart/form-data"):
            return self.upload_max_bytes + MULTIPART_OVERHEAD
        return self.max_body_bytes


def refusal(scope: Scope, limit: int) -> tuple[Message, Message]:
    """The 413's two messages: a page for a browser, JSON for everyone else."""
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
    return ({"type": "http.response.start", "status": 413,
             "headers": [(b"content-type", media),
                         (b"content-length", str(len(body)).encode()),
                         (b"connection", b"close")]},
            {"type": "http.response.body", "body": body})


def _human(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.0f} Mo"
    return f"{max(1, size // 1024)} Ko"
