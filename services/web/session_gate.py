"""Sessions revoked server-side (ADR 0041). The session cookie is signed and
stateless; what it cannot say -- that its holder logged out, was erased or lost
a role since -- the identity read model says: each subject's session generation,
raised by every revocation. This ASGI middleware, in front of every route and
the back-office guard, removes a cookie issued at an older generation from the
request (nothing downstream sees a session) and deletes it in the browser."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from services.identity.queries import session_generation
from services.web.deps import Web
from services.web.session import subject_of


class SessionGate:
    def __init__(self, app: ASGIApp, web: Web) -> None:
        self.app, self.web = app, web
        self._name = web.sessions.cookie.encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        token = self._token(scope)
        claims = self.web.sessions.claims(token) if token else None
        if claims is None or (int(claims.get("g") or 0) >=
                              await session_generation(self.web.store, subject_of(claims))):
            await self.app(scope, receive, send)
            return
        await self.app(self._without_session(scope), receive, self._forgetting(send))

    def _token(self, scope: Scope) -> str | None:
        for name, value in scope["headers"]:
            if name == b"cookie":
                for part in value.split(b";"):
                    key, _, val = part.strip().partition(b"=")
                    if key == self._name:
                        return bytes(val).decode("latin-1")
        return None

    def _without_session(self, scope: Scope) -> Scope:
        headers = []
        for name, value in scope["headers"]:
            if name == b"cookie":
                kept = [p for p in value.split(b";")
                        if p.strip().partition(b"=")[0] != self._name]
                value = b";".join(kept)
            headers.append((name, value))
        return {**scope, "headers": headers}

    def _forgetting(self, send: Send) -> Send:
        secure = "; Secure" if self.web.sessions.secure else ""
        expired = (f"{self.web.sessions.cookie}=; Max-Age=0; Path=/; HttpOnly; "
                   f"SameSite=lax{secure}").encode()

        async def forget(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), (b"set-cookie", expired)]
            await send(message)

        return forget
