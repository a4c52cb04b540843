"""Rate limits (ADR 0013): a port, an in-memory sliding-window adapter
(embedded), and `Limits`, what the identity flows apply -- logins (registration,
magic links) per hour and contributions (deposit, vote, flag) per minute.

Callers limit per identity (participant id) and per client; a client is an IP
kept only as a keyed hash whose key rotates every `client_hash_hours`, so the
limiter never holds an address and yesterday's hashes cannot be linked to today's.
`RateLimited` (429 with `Retry-After`) beyond a limit.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import time
from abc import ABC, abstractmethod
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from services.identity.crypto import keyed_hash, sub_key
from services.identity.settings import IdentitySettings

HOUR = 3600.0
MINUTE = 60.0


@dataclass(frozen=True, slots=True)
class Verdict:
    allowed: bool
    retry_after: int = 0  # seconds, when refused


class RateLimiter(ABC):
    @abstractmethod
    async def hit(self, key: str, *, limit: int, window: float) -> Verdict:
        """Count one request under `key`; refuse beyond `limit` per `window` seconds."""


class MemoryRateLimiter(RateLimiter):
    def __init__(self, now: Callable[[], float] = time.monotonic, max_keys: int = 100_000) -> None:
        self._now = now
        self._hits: dict[str, deque[float]] = {}
        self._max_keys = max_keys

    async def hit(self, key: str, *, limit: int, window: float) -> Verdict:
        now = self._now()
        hits = self._hits.setdefault(key, deque())
        while hits and hits[0] <= now - window:
            hits.popleft()
        if len(hits) >= limit:
            return Verdict(False, max(1, math.ceil(hits[0] + window - now)))
        hits.append(now)
        if len(self._hits) > self._max_keys:
            self._forget(now - window)
        return Verdict(True)

    def _forget(self, horizon: float) -> None:
        """Bound memory: forget idle keys; when a flood of distinct clients keeps
        them all active, also those with the fewest hits in the window (then the
        least recent), down to 90% of the bound. The margin puts the next pass
        `max_keys / 10` new keys away (it used to run on every hit once full of
        active keys: O(keys) per request). A client at its limit holds the most
        hits, so a flood of fresh keys cannot reset its count."""
        kept = {k: v for k, v in self._hits.items() if v and v[-1] > horizon}
        room = int(self._max_keys * 0.9)
        if len(kept) > room:
            ranked = sorted(kept.items(), key=lambda kv: (len(kv[1]), kv[1][-1]))
            kept = dict(ranked[len(kept) - room:])
        self._hits = kept


def client_key(secret: str, ip: str, *, hours: int, now: float | None = None) -> str:
    """The limiter's name for a client: a keyed hash of its IP, rotating."""
    period = int((time.time() if now is None else now) // (hours * 3600))
    return "c:" + keyed_hash(secret, f"client-ip:{period}", ip)[:32]


class RateLimited(Exception):
    """Answered 429 with `Retry-After` by the web layer."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"rate limited, retry after {retry_after}s")
        self.retry_after = retry_after


async def enforce(limiter: RateLimiter, keys: list[str], *, limit: int, window: float) -> None:
    """Count the request under every key (identity, client); refuse if any is over."""
    refusals = [v for v in [await limiter.hit(k, limit=limit, window=window) for k in keys]
                if not v.allowed]
    if refusals:
        raise RateLimited(max(v.retry_after for v in refusals))


class Limits:
    """The limits of the identity flows, with what they need of the settings read
    once (the contribution limit runs on every ballot)."""

    def __init__(self, limiter: RateLimiter, settings: IdentitySettings) -> None:
        self.limiter = limiter
        self._secret = settings.resolved_secret()
        self._period_s = settings.client_hash_hours * 3600
        self._login_per_hour = settings.rate_login_per_hour
        self._action_per_minute = settings.rate_action_per_minute
        self._period_key: tuple[int, bytes] = (-1, b"")

    def client(self, ip: str, *, now: float | None = None) -> str:
        """The limiter's key for a client: never the IP itself. Equal to
        `client_key`, with the period's key derived once per period."""
        period = int((time.time() if now is None else now) // self._period_s)
        if self._period_key[0] != period:
            self._period_key = (period, sub_key(self._secret, f"client-ip:{period}"))
        digest = hmac.new(self._period_key[1], ip.encode(), hashlib.sha256).hexdigest()
        return "c:" + digest[:32]

    async def login(self, client: str, identity: str = "") -> None:
        """`identity`: a keyed hash of the e-mail asked for, when there is one."""
        keys = [client] + ([f"i:{identity}"] if identity else [])
        await enforce(self.limiter, keys, limit=self._login_per_hour, window=HOUR)

    async def action(self, client: str, participant_id: str | None) -> None:
        """`participant_id`: the session's (never read from a header: forgeable)."""
        keys = [client] + ([f"i:{participant_id}"] if participant_id else [])
        await enforce(self.limiter, keys, limit=self._action_per_minute, window=MINUTE)
