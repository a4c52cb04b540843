"""Request body limits, enforced before anything reads the body.

Without them a client could send gigabytes: Starlette spools a multipart upload to a
temporary file before any handler can check its size, and buffers a form or JSON body
in memory. A declared `Content-Length` above the limit gets 413 without reading a
byte; a body sent without one (chunked) is counted as it streams and cut at the limit.
Multipart bodies (document uploads) may carry the largest accepted upload plus some
room for the other fields; every other body is bounded by `max_body_bytes`.

The runtime's HTTP front applies them (services/runtime/http_front.py); this module
says what the limit of a request is and what its refusal looks like: JSON for an
API client, a French page for a browser's form (the site's error page when the web
front end gives `refusal` its renderer), naming the limit and leading back to the
form's page when the Referer is of this site."""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

import orjson
from starlette.types import Message, Scope

MULTIPART_OVERHEAD = 64 * 1024  # the form's other fields and part headers
MESSAGE = "La requête est trop volumineuse."
MULTIPART, FORM = b"multipart/form-data", b"application/x-www-form-urlencoded"
# Renders the French page of a refusal: (scope, heading, message, back) -> HTML,
# `back` the path of the form's page on this site (None when unknown).
PageRenderer = Callable[[Scope, str, str, str | None], bytes]


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


def refusal(scope: Scope, limit: int,
            render: PageRenderer | None = None) -> tuple[Message, Message]:
    """The 413's two messages: a page for a browser's form, JSON for API clients."""
    content_type = _header(scope, b"content-type")
    if wants_page(scope):
        heading, message = _explained(content_type, limit)
        back = back_link(scope)
        body = (render or _bare_page)(scope, heading, message, back)
        media = b"text/html; charset=utf-8"
    else:
        detail = f"{MESSAGE} Taille maximale : {_human(limit)}."
        body = orjson.dumps({"error": "payload_too_large", "message": detail, "field": None})
        media = b"application/json"
    return ({"type": "http.response.start", "status": 413,
             "headers": [(b"content-type", media),
                         (b"content-length", str(len(body)).encode()),
                         (b"connection", b"close")]},
            {"type": "http.response.body", "body": body})


def wants_page(scope: Scope) -> bool:
    """A browser asks for HTML, or posts a form outside the JSON API; an API
    client asks for JSON, or posts to /api/ without asking for HTML."""
    accept = _header(scope, b"accept")
    if b"text/html" in accept:
        return True
    if str(scope.get("path", "")).startswith("/api/") or b"json" in accept:
        return False
    return _header(scope, b"content-type").startswith((MULTIPART, FORM))


def back_link(scope: Scope) -> str | None:
    """The path (and query) of the page the form was posted from, when the
    Referer names this site (never a link to another one)."""
    referer = _header(scope, b"referer").decode("latin-1")
    host = _header(scope, b"host").decode("latin-1").lower()
    parts = urlsplit(referer)
    if (not host or parts.scheme not in ("http", "https") or parts.netloc.lower() != host
            or not parts.path.startswith("/") or parts.path.startswith("//")):
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _header(scope: Scope, name: bytes) -> bytes:
    """The last value of header `name` (as a dict of the headers would give it)."""
    value = b""
    for key, given in scope["headers"]:
        if key == name:
            value = given
    return bytes(value)


def _explained(content_type: bytes, limit: int) -> tuple[str, str]:
    """The page's heading and message: a file's size limit is the upload's."""
    if content_type.startswith(MULTIPART):
        size = _human(max(1, limit - MULTIPART_OVERHEAD))
        return "Fichier trop volumineux", (
            f"Le fichier envoyé dépasse la taille maximale acceptée : {size}. "
            "Rien n'a été enregistré : choisissez un fichier plus léger.")
    if content_type.startswith(FORM):
        return "Formulaire trop volumineux", (
            f"Le formulaire envoyé dépasse la taille maximale acceptée : {_human(limit)}. "
            "Rien n'a été enregistré : raccourcissez le texte.")
    return "Requête trop volumineuse", f"{MESSAGE} Taille maximale : {_human(limit)}."


def _bare_page(scope: Scope, heading: str, message: str, back: str | None) -> bytes:
    """The page without the site's layout (a front without the web front end)."""
    link = (f'<p><a href="{html.escape(back)}">Revenir au formulaire</a></p>' if back else
            "<p>Revenez au formulaire avec le bouton « Retour » de votre navigateur.</p>")
    return ("<!doctype html><html lang=\"fr\"><head><meta charset=\"utf-8\">"
            f"<title>{heading}</title></head><body><main>"
            f"<h1>{heading}</h1><p>{html.escape(message)}</p>{link}"
            "</main></body></html>").encode()


def _human(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.0f} Mo"
    return f"{max(1, size // 1024)} Ko"
