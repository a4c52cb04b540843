"""Rate limits (ADR 0013, ADR 0045): the limiter port, its in-memory adapter,
and `Limits`, what the flows and the front end apply, per action.

The port counts with GCRA (the generic cell rate algorithm): per key one number,
the theoretical arrival time (TAT) of the next request. A budget of `limit`
requests per `window` seconds spaces requests `window / limit` apart and lets
`limit` of them through in a burst. One stored value per key makes an atomic
check-and-set cheap on every store (a SQLite row, a Redis key, a Cassandra
lightweight transaction), so counters can be shared by every process of a
platform (services/identity/ratelimit_sqlite.py for one data folder).

Callers limit per action, per identity and per client; a client is an IP kept
only as a keyed hash whose key rotates every `client_hash_hours`, so the limiter
never holds an address and yesterday's hashes cannot be linked to today's.
`RateLimited` (429 with `Retry-After`) beyond a limit.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import time
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass

from services.identity.crypto import keyed_hash, sub_key
from services.identity.settings import IdentitySettings

HOUR = 3600.0
MINUTE = 60.0


@dataclass(frozen=True, slots=True)
class Budget:
    """`limit` requests per `window` seconds under `key`."""

    key: str
    limit: int
    window: float

    @property
    def spacing(self) -> float:
        return self.window / self.limit


@dataclass(frozen=True, slots=True)
class Verdict:
    allowed: bool
    retry_after: int = 0  # seconds, when refused


def decide(budgets: Sequence[Budget], tats: Sequence[float], now: float
           ) -> tuple[Verdict, list[float]]:
    """GCRA over several budgets at once: allowed only if every budget allows,
    and then every TAT moves; a refused request counts under none (so a client
    over its limit is not locked out longer by retrying). Pure: every adapter
    applies it to the TATs it read, inside its own atomic step."""
    moved = [max(tat, now) + b.spacing for b, tat in zip(budgets, tats, strict=True)]
    over = [t - b.window - now for b, t in zip(budgets, moved, strict=True)
            if t - now > b.window + 1e-9]
    if over:
        return Verdict(False, max(1, math.ceil(max(over)))), list(tats)
    return Verdict(True), moved


class RateLimiter(ABC):
    """Shared counters: every process of a platform must see the same ones
    (the contract suite: tests/contract/test_ratelimit_contract.py)."""

    @abstractmethod
    async def hit(self, budgets: Sequence[Budget], *, now: float | None = None) -> Verdict:
        """Count one request under every budget's key, atomically, or under none
        when one of them refuses. `now`: wall-clock seconds (default: time.time())."""

    async def close(self) -> None:
        """Release what the adapter holds (connections, threads)."""


class MemoryRateLimiter(RateLimiter):
    """One process's counters: tests and throwaway platforms."""

    def __init__(self, max_keys: int = 100_000) -> None:
        self._tats: dict[str, float] = {}
        self._max_keys = max_keys

    async def hit(self, budgets: Sequence[Budget], *, now: float | None = None) -> Verdict:
        now = time.time() if now is None else now
        verdict, tats = decide(budgets, [self._tats.get(b.key, 0.0) for b in budgets], now)
        if verdict.allowed:
            self._tats.update((b.key, t) for b, t in zip(budgets, tats, strict=True))
            if len(self._tats) > self._max_keys:
                self._forget(now)
        return verdict

    def _forget(self, now: float) -> None:
        """Bound memory: a key whose TAT has passed is as good as absent; when a
        flood of distinct clients keeps them all in the future, drop those
        closest to free (the least used), down to 90% of the bound. A client at
        its limit has the latest TAT, so a flood of fresh keys cannot reset it."""
        kept = {k: t for k, t in self._tats.items() if t > now}
        room = int(self._max_keys * 0.9)
        if len(kept) > room:
            kept = dict(sorted(kept.items(), key=lambda kv: kv[1])[len(kept) - room:])
        self._tats = kept

    def __len__(self) -> int:
        return len(self._tats)


def client_key(secret: str, ip: str, *, hours: int, now: float | None = None) -> str:
    """The limiter's name for a client: a keyed hash of its IP, rotating."""
    period = int((time.time() if now is None else now) // (hours * 3600))
    return "c:" + keyed_hash(secret, f"client-ip:{period}", ip)[:32]


class RateLimited(Exception):
    """Answered 429 with `Retry-After` by the web layer."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"rate limited, retry after {retry_after}s")
        self.retry_after = retry_after


async def enforce(limiter: RateLimiter, budgets: Sequence[Budget], *,
                  now: float | None = None) -> Verdict:
    """Count the request under every budget; `RateLimited` if any is over."""
    verdict = await limiter.hit(budgets, now=now)
    if not verdict.allowed:
        raise RateLimited(verdict.retry_after)
    return verdict


@dataclass(frozen=True, slots=True)
class Rate:
    limit: int
    window: float


LOGIN_ACTIONS = ("login", "magic_link", "register")
# a participant's own account, per hour as the login actions: a pseudonym refused as
# taken tells it is someone's, so changes are not a way to try pseudonyms fast (ADR 0145)
ACCOUNT_ACTIONS = ("profile",)
CONTRIBUTION_ACTIONS = ("proposal", "argument", "comment", "questionnaire", "vote", "flag",
                        "appeal", "edit", "withdraw", "meeting")
BACK_OFFICE_ACTIONS = ("questionnaire_import",)  # parses a file of up to 512 kB
# an analyst's publication of opinion groups computes them over every opinion (ADR 0064);
# an upload of a Pol.is export reads and imports it (ADR 0125)
ANALYSIS_ACTIONS = ("opinion_groups", "polis_import")
# counted per client only, as nobody is known yet: a new anonymous session, which
# mints a participant id (ADR 0133)
CLIENT_ACTIONS = ("anonymous",)
ACTIONS = (LOGIN_ACTIONS + ACCOUNT_ACTIONS + CONTRIBUTION_ACTIONS + BACK_OFFICE_ACTIONS
           + ANALYSIS_ACTIONS + CLIENT_ACTIONS)


def rates(settings: IdentitySettings) -> dict[str, Rate]:
    """Every action's budget per identity (`<action>`) and per client
    (`<action>.client`): the login and account actions `rate_login_per_hour` per hour, the
    contributions `rate_action_per_minute` per minute, a client (an address,
    which a town hall or a mobile carrier's NAT shares) `rate_client_factor`
    times an identity's; a new anonymous session `rate_anonymous_per_hour` per
    client per hour; then `rate_limits` overrides, `name=count/seconds`."""
    factor = settings.rate_client_factor
    out: dict[str, Rate] = {}
    for action in ACTIONS:
        if action in CLIENT_ACTIONS:
            out[action] = out[f"{action}.client"] = Rate(settings.rate_anonymous_per_hour,
                                                           HOUR)
            continue
        hourly = action in LOGIN_ACTIONS + ACCOUNT_ACTIONS
        base = (Rate(settings.rate_login_per_hour, HOUR) if hourly
                else Rate(settings.rate_action_per_minute, MINUTE))
        out[action] = base
        out[f"{action}.client"] = Rate(base.limit * factor, base.window)
    out.update(parse_rates(settings.rate_limits))
    return out


def parse_rates(text: str) -> dict[str, Rate]:
    """`"comment=10/60, vote.client=2000/60"` -> rates; refuses unknown names."""
    out: dict[str, Rate] = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        name, _, value = item.partition("=")
        count, _, seconds = value.partition("/")
        name = name.strip()
        if name.removesuffix(".client") not in ACTIONS or not count.strip().isdecimal():
            raise ValueError(f"PARLONS_RATE_LIMITS: {item!r} (action=count/seconds)")
        out[name] = Rate(max(1, int(count)), float(seconds or 60))
    return out


class Limits:
    """The limits of every action, with what they need of the settings read once
    (the vote limit runs on every ballot)."""

    def __init__(self, limiter: RateLimiter, settings: IdentitySettings) -> None:
        self.limiter = limiter
        self._secret = settings.resolved_secret()
        self._period_s = settings.client_hash_hours * 3600
        self._rates = rates(settings)
        self._period_key: tuple[int, bytes] = (-1, b"")

    def client(self, ip: str, *, now: float | None = None) -> str:
        """The limiter's key for a client: never the IP itself. Equal to
        `client_key`, with the period's key derived once per period."""
        period = int((time.time() if now is None else now) // self._period_s)
        if self._period_key[0] != period:
            self._period_key = (period, sub_key(self._secret, f"client-ip:{period}"))
        digest = hmac.new(self._period_key[1], ip.encode(), hashlib.sha256).hexdigest()
        return "c:" + digest[:32]

    def budgets(self, action: str, client: str, identity: str | None = None) -> list[Budget]:
        """Each action counts on its own keys: ten votes never spend a login."""
        per_client = self._rates[f"{action}.client"]
        out = [Budget(f"{action}:{client}", per_client.limit, per_client.window)]
        if identity:
            per_identity = self._rates[action]
            out.append(Budget(f"{action}:i:{identity}", per_identity.limit,
                              per_identity.window))
        return out

    async def check(self, action: str, client: str, identity: str | None = None) -> None:
        """Count one `action` by this client (and identity: a participant id from
        the session, never from a header, or a keyed hash of the e-mail asked
        for); `RateLimited` beyond either budget."""
        await enforce(self.limiter, self.budgets(action, client, identity))
