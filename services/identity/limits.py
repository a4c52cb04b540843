"""The contribution rate limit (deposit, vote, flag): `ActionGate.check` counts
a request per identity and per client and raises `RateLimited` (429 with
`Retry-After`) beyond `PARLONS_RATE_ACTION_PER_MINUTE` (ADR 0013). The identity
wiring installs it as the JSON APIs' `limit_contribution` provider (it knows the
session); an app without it (a bench, a service alone) limits nothing. The
client is an IP kept only as a rotating keyed hash (`ratelimit.client_key`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from starlette.requests import Request

from services.identity.ratelimit import RateLimiter, client_key, enforce
from services.identity.settings import IdentitySettings

MINUTE = 60.0


@dataclass
class ActionGate:
    limiter: RateLimiter
    settings: IdentitySettings
    # The session's participant id, if any (never read from a header: forgeable).
    who: Callable[[Request], str | None]

    def keys(self, request: Request) -> list[str]:
        ip = request.client.host if request.client else "unknown"
        s = self.settings
        keys = [client_key(s.resolved_secret(), ip, hours=s.client_hash_hours)]
        participant = self.who(request)
        return keys + ([f"i:{participant}"] if participant else [])

    async def check(self, request: Request) -> None:
        await enforce(self.limiter, self.keys(request),
                      limit=self.settings.rate_action_per_minute, window=MINUTE)

