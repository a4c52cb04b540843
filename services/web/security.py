"""Signed cookies, the admin session and CSRF tokens.

A token is `payload.signature` where the signature is an HMAC-SHA256 of the
payload under the secret key, so the browser can hold it but not forge it. The
CSRF token is bound to a per-browser random id kept in its own signed cookie
(signed double submit): a form posted from another site cannot know it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from collections.abc import Iterable
from typing import Any

import orjson

SESSION_COOKIE = "parlons_session"
CSRF_COOKIE = "parlons_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"  # the token of a script's request (the forms post a field)
_CSRF_HEADER_KEY = CSRF_HEADER.lower().encode("latin-1")  # as ASGI spells it
HOST_PREFIX = "__Host-"


def cookie_name(base: str, *, secure: bool) -> str:
    """`__Host-` binds a cookie to this exact host, Secure, path `/` (no subdomain
    or plain-http page can set or shadow it). Browsers refuse a `__Host-` cookie
    without `Secure`, so plain-http development keeps the bare name."""
    return HOST_PREFIX + base if secure else base


def origin_and_csrf_header(
        headers: Iterable[tuple[bytes, bytes]]) -> tuple[str | None, str | None]:
    """A request's `Origin` and `X-CSRF-Token` headers (the ASGI scope's raw list),
    the first of each as `request.headers.get` gives it, in one pass: there a header
    absent (usually one of the two) raised a KeyError and caught it (ADR 0114)."""
    origin = token = None
    for name, value in headers:
        if name == b"origin" and origin is None:
            origin = value.decode("latin-1")
        elif name == _CSRF_HEADER_KEY and token is None:
            token = value.decode("latin-1")
    return origin, token


def _b64e(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _b64d(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Signer:
    # Tokens already verified, by their whole text (payload and MAC): one request
    # presents its session to the gate, the rate limit and the participant check,
    # and a browser the same token for hours; each was an HMAC and a JSON decode.
    # Keyed by the signed text, so only a token that verified once is ever found;
    # cleared when full, so memory stays bounded (ADR 0075).
    VERIFIED_MAX = 4096

    def __init__(self, secret: str, purpose: str) -> None:
        # One key per purpose: a CSRF token can never pass as a session.
        self._key = hashlib.sha256(f"{purpose}:{secret}".encode()).digest()
        self._verified: dict[str, dict[str, Any]] = {}

    def _mac(self, payload: str) -> str:
        return _b64e(hmac.new(self._key, payload.encode(), hashlib.sha256).digest())

    def sign(self, data: dict[str, Any]) -> str:
        payload = _b64e(json.dumps(data, separators=(",", ":")).encode())
        return f"{payload}.{self._mac(payload)}"

    def unsign(self, token: str) -> dict[str, Any] | None:
        known = self._verified.get(token)
        if known is not None:
            return dict(known)  # a copy: a caller's change never reaches the next
        data = self._verify(token)
        if data is not None:
            if len(self._verified) >= self.VERIFIED_MAX:
                self._verified.clear()
            self._verified[token] = dict(data)
        return data

    def _verify(self, token: str) -> dict[str, Any] | None:
        payload, _, mac = token.partition(".")
        if not mac or not hmac.compare_digest(mac, self._mac(payload)):
            return None
        try:
            # orjson: the payload is our own `json.dumps` of strings and ints, which
            # it reads to the same dict as `json.loads`, in a third of the time.
            data = orjson.loads(_b64d(payload))
        except ValueError:  # orjson.JSONDecodeError is one; so is binascii.Error
            return None
        return data if isinstance(data, dict) else None


class Sessions:
    """The organiser session: who, until when. Stateless, in a signed cookie."""

    def __init__(self, secret: str, hours: int, *, secure: bool = False) -> None:
        self._signer = Signer(secret, "session")
        self._ttl = hours * 3600
        self.secure = secure
        self.cookie = cookie_name(SESSION_COOKIE, secure=secure)

    def issue(self, user: str, *, now: float | None = None, generation: int = 0,
              **claims: str) -> str:
        """`claims`: `kind` ("admin" for the settings-configured account,
        "participant" otherwise) and `level` (identity level) for participants.
        `generation`: the subject's session generation now; revoking its sessions
        raises it server-side, which ends this one (ADR 0041)."""
        now = time.time() if now is None else now
        return self._signer.sign({**claims, "u": user, "g": generation,
                                  "exp": int(now) + self._ttl})

    def claims(self, token: str | None, *, now: float | None = None) -> dict[str, Any] | None:
        """The session's claims (`u`: who, `kind`, `level`), None when absent,
        forged or expired."""
        if not token:
            return None
        data = self._signer.unsign(token)
        now = time.time() if now is None else now
        if data is None or not isinstance(data.get("exp"), int) or data["exp"] < now:
            return None
        return data if isinstance(data.get("u"), str) else None

    def user(self, token: str | None, *, now: float | None = None) -> str | None:
        data = self.claims(token, now=now)
        return None if data is None else str(data["u"])

    @property
    def max_age(self) -> int:
        return self._ttl


class Csrf:
    def __init__(self, secret: str, *, secure: bool = False) -> None:
        self._signer = Signer(secret, "csrf")
        self.secure = secure
        self.cookie = cookie_name(CSRF_COOKIE, secure=secure)

    @staticmethod
    def new_browser_id() -> str:
        return secrets.token_urlsafe(24)

    def token_for(self, browser_id: str) -> str:
        return self._signer.sign({"b": browser_id})

    def valid(self, browser_id: str | None, token: str | None) -> bool:
        if not browser_id or not token:
            return False
        data = self._signer.unsign(token)
        return data is not None and hmac.compare_digest(str(data.get("b", "")), browser_id)
