"""Login throttling with backoff (ADR 0042): failed password logins counted per
account and per client, in memory. After `free` failures a key waits, and each
further failure doubles the wait (1 s, 2 s, 4 s ... up to `max_seconds`); a
success clears the account's count. A client is a keyed hash of its address,
never the address. The per-account limit also bounds the CPU an attacker can
make the password hash burn: a locked account is refused before hashing."""

from __future__ import annotations

import hashlib
import hmac
import math
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass


@dataclass
class _Failures:
    count: int = 0
    until: float = 0.0  # monotonic time before which the key waits
    last: float = 0.0


class LoginThrottle:
    def __init__(self, secret: str, *, account_free: int = 5, client_free: int = 20,
                 base_seconds: float = 1.0, max_seconds: float = 900.0,
                 forget_after: float = 86_400.0, max_keys: int = 100_000,
                 now: Callable[[], float] = time.monotonic) -> None:
        self._key = hashlib.sha256(f"login-throttle:{secret}".encode()).digest()
        self._free = {"a": account_free, "c": client_free}
        self._base, self._max = base_seconds, max_seconds
        self._forget_after, self._max_keys = forget_after, max_keys
        self._now = now
        self._failures: dict[str, _Failures] = {}

    def keys(self, account: str, client: str) -> list[str]:
        """The throttle's names for an account and a client (keyed hashes)."""
        return [self._name("a", account.strip().lower()), self._name("c", client)]

    def wait(self, keys: Iterable[str]) -> int:
        """Seconds before these keys may try again (0: now)."""
        now = self._now()
        waits = [f.until - now for k in keys if (f := self._failures.get(k)) is not None]
        longest = max(waits, default=0.0)
        return math.ceil(longest) if longest > 0 else 0

    def failed(self, keys: Iterable[str]) -> None:
        now = self._now()
        for key in keys:
            f = self._failures.setdefault(key, _Failures())
            f.count, f.last = f.count + 1, now
            over = f.count - self._free[key[0]]
            if over >= 0:
                f.until = now + min(self._max, self._base * 2 ** min(over, 30))
        if len(self._failures) > self._max_keys:
            self._forget(now)

    def succeeded(self, keys: Iterable[str]) -> None:
        """The account's count starts again; a client's failures stay counted."""
        for key in keys:
            if key.startswith("a"):
                self._failures.pop(key, None)

    def _name(self, kind: str, value: str) -> str:
        return kind + hmac.new(self._key, value.encode(), hashlib.sha256).hexdigest()[:32]

    def _forget(self, now: float) -> None:
        """Bound memory: forget keys idle for a day, then the least recent."""
        kept = {k: f for k, f in self._failures.items()
                if now - f.last < self._forget_after or f.until > now}
        if len(kept) > self._max_keys * 0.9:
            ranked = sorted(kept.items(), key=lambda kv: kv[1].last)
            kept = dict(ranked[len(kept) - int(self._max_keys * 0.9):])
        self._failures = kept
