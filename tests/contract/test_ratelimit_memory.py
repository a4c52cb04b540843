"""The rate-limiter contract on the in-memory adapter (one process's counters)."""

from __future__ import annotations

from ratelimit_contract import RateLimiterContract

from services.identity.ratelimit import MemoryRateLimiter, RateLimiter


class TestMemoryRateLimiter(RateLimiterContract):
    async def make_limiter(self) -> RateLimiter:
        return MemoryRateLimiter()
