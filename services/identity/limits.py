"""The rate limits of the identity flows (ADR 0013): logins (registration,
magic links) per hour and contributions (deposit, vote, flag) per minute,
counted per client and, when known, per identity; `RateLimited` (429 with
`Retry-After`) beyond. A client is an IP kept only as a rotating keyed hash
(`ratelimit.client_key`): the front end hands the IP, never the limiter."""

from __future__ import annotations

from dataclasses import dataclass

from services.identity.ratelimit import RateLimiter, client_key, enforce
from services.identity.settings import IdentitySettings

HOUR = 3600.0
MINUTE = 60.0


@dataclass
class Limits:
    limiter: RateLimiter
    settings: IdentitySettings

    def client(self, ip: str) -> str:
        """The limiter's key for a client: never the IP itself."""
        s = self.settings
        return client_key(s.resolved_secret(), ip, hours=s.client_hash_hours)

    async def login(self, client: str, identity: str = "") -> None:
        """`identity`: a keyed hash of the e-mail asked for, when there is one."""
        keys = [client] + ([f"i:{identity}"] if identity else [])
        await enforce(self.limiter, keys, limit=self.settings.rate_login_per_hour, window=HOUR)

    async def action(self, client: str, participant_id: str | None) -> None:
        """`participant_id`: the session's (never read from a header: forgeable)."""
        keys = [client] + ([f"i:{participant_id}"] if participant_id else [])
        await enforce(self.limiter, keys, limit=self.settings.rate_action_per_minute,
                      window=MINUTE)
