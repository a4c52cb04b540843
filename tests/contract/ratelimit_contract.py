"""The rate-limiter contract (services/identity/ratelimit.py), run against every
adapter: GCRA budgets, several keys counted atomically or not at all, and no
budget exceeded by concurrent hits. Subclass `RateLimiterContract` once per
adapter in `test_ratelimit_<adapter>.py` and implement `make_limiter()`; a
server adapter must also share its counters between two instances (`share`)."""

from __future__ import annotations

import asyncio
import uuid
from abc import ABC, abstractmethod

from services.identity.ratelimit import Budget, RateLimiter


def key(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


class RateLimiterContract(ABC):
    @abstractmethod
    async def make_limiter(self) -> RateLimiter:
        """A limiter; called twice in a test, both must see the same counters
        when `shared` is true."""

    shared = False

    async def test_a_budget_lets_its_limit_through_then_refuses_with_retry_after(self) -> None:
        limiter, k = await self.make_limiter(), key("burst")
        verdicts = [await limiter.hit([Budget(k, 5, 60)], now=1000.0) for _ in range(6)]
        assert [v.allowed for v in verdicts] == [True] * 5 + [False]
        assert 1 <= verdicts[-1].retry_after <= 12
        assert (await limiter.hit([Budget(k, 5, 60)], now=1012.0)).allowed
        assert not (await limiter.hit([Budget(k, 5, 60)], now=1012.0)).allowed

    async def test_keys_are_independent(self) -> None:
        limiter, a, b = await self.make_limiter(), key("a"), key("b")
        assert (await limiter.hit([Budget(a, 1, 60)], now=0.0)).allowed
        assert not (await limiter.hit([Budget(a, 1, 60)], now=0.0)).allowed
        assert (await limiter.hit([Budget(b, 1, 60)], now=0.0)).allowed

    async def test_several_budgets_count_together_or_not_at_all(self) -> None:
        limiter, client, who = await self.make_limiter(), key("client"), key("who")
        assert (await limiter.hit([Budget(who, 1, 60)], now=0.0)).allowed
        refused = await limiter.hit([Budget(client, 10, 60), Budget(who, 1, 60)], now=0.0)
        assert not refused.allowed and refused.retry_after >= 1
        for _ in range(10):  # the refusal spent nothing of the client's budget
            assert (await limiter.hit([Budget(client, 10, 60)], now=0.0)).allowed
        assert not (await limiter.hit([Budget(client, 10, 60)], now=0.0)).allowed

    async def test_concurrent_hits_never_exceed_the_budget(self) -> None:
        limiters = [await self.make_limiter(), await self.make_limiter()]
        k = key("race")
        verdicts = await asyncio.gather(*[
            limiters[n % 2].hit([Budget(k, 25, 60)], now=7.0) for n in range(60)])
        allowed = sum(v.allowed for v in verdicts)
        assert allowed == (25 if self.shared else 50)
