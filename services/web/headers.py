"""Security headers on every response, as a plain ASGI middleware (cheap: pages
must sustain thousands per second)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from starlette.types import ASGIApp, Message, Receive, Scope, Send


def content_security_policy(*, img_sources: Iterable[str] = (),
                            frame_sources: Iterable[str] = ()) -> str:
    # No 'unsafe-inline' anywhere: every script and style is a file we serve.
    # DSFR's CSS draws some icons from data: URIs, hence img-src data:.
    img = " ".join(["'self'", "data:", *img_sources])
    frames = " ".join(frame_sources) or "'none'"
    return (
        "default-src 'self'; script-src 'self'; style-src 'self'; "
        f"img-src {img}; font-src 'self'; connect-src 'self'; frame-src {frames}; "
        "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
    )


def security_headers(*, csp: str, hsts: bool) -> list[tuple[bytes, bytes]]:
    """The headers every answer carries, in the order they are added."""
    headers = [
        (b"content-security-policy", csp.encode()),
        (b"x-content-type-options", b"nosniff"),
        (b"x-frame-options", b"DENY"),
        (b"referrer-policy", b"same-origin"),
        (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), payment=()"),
        (b"cross-origin-opener-policy", b"same-origin"),
    ]
    if hsts:
        headers.append((b"strict-transport-security", b"max-age=31536000; includeSubDomains"))
    return headers


class SecurityHeaders:
    """The web front end's app alone (`create_web_app`); the runtime's app adds
    them in its HTTP front (services/runtime/http_front.py)."""

    def __init__(self, app: ASGIApp, *, csp: str, hsts: bool) -> None:
        self.app = app
        self._headers = security_headers(csp=csp, hsts=hsts)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        await self.app(scope, receive, sending_with(send, self._headers))


def sending_with(send: Send, headers: Sequence[tuple[bytes, bytes]]) -> Send:
    """`send`, with `headers` added to the answer's start."""

    async def send_with_headers(message: Message) -> None:
        if message["type"] == "http.response.start":
            message["headers"] = [*message.get("headers", []), *headers]
        await send(message)

    return send_with_headers
