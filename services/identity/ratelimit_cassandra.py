"""The rate limiter in the identity service's Cassandra keyspace (ADR 0077), for
fronts on several hosts: the budget holds for their sum, as with one SQLite file
on one host (ADR 0045).

GCRA keeps one arrival time (TAT) per key, so a hit is a compare-and-set:
read the keys' TATs, `decide`, then move each with a lightweight transaction
(`IF tat = <read>`; `IF NOT EXISTS` for a new key). Cassandra has no CAS over
several partitions: the keys move one after the other, and when one has moved
under us the ones already moved go back (a CAS from our value to the one read)
and the hit starts over. A put-back that fails (someone moved the key after us)
leaves that key counted once more: the error is on the side of the limit. A
refused hit writes nothing. Each TAT expires once passed (its TTL), so the table
holds only the keys of the last hour.
"""

from __future__ import annotations

import asyncio
import math
import random
import time
from collections.abc import Sequence

from services.core.errors import StoreUnavailable
from services.identity.cassandra import IdentityCql
from services.identity.ratelimit import Budget, RateLimiter, Verdict, decide

# Rounds of a hit that keeps losing races for its keys before it gives up with
# StoreUnavailable (503): keys are per person and per client, so rounds beyond
# a few mean a fight no honest client causes.
ROUNDS = 64


class CassandraRateLimiter(RateLimiter):
    def __init__(self, db: IdentityCql) -> None:
        self._db = db

    async def hit(self, budgets: Sequence[Budget], *, now: float | None = None) -> Verdict:
        at = time.time() if now is None else now
        for _ in range(ROUNDS):
            verdict = await self._try(budgets, at)
            if verdict is not None:
                return verdict
            # jitter between rounds (not a secret: the random module is right here)
            await asyncio.sleep(random.uniform(0, 0.005))  # nosec B311
        raise StoreUnavailable("rate limiter: too many concurrent hits on one key")

    async def _try(self, budgets: Sequence[Budget], now: float) -> Verdict | None:
        """The verdict, or None when a key moved under us (nothing left moved)."""
        read: list[float | None] = [await self._db.one("tat_get", b.key) for b in budgets]
        verdict, moved = decide(budgets, [t or 0.0 for t in read], now)
        if not verdict.allowed:
            return verdict
        done: list[int] = []
        for n, b in enumerate(budgets):
            if not await self._move(b.key, read[n], moved[n], now):
                for m in reversed(done):
                    await self._put_back(budgets[m].key, moved[m], read[m], now)
                return None
            done.append(n)
        return verdict

    async def _move(self, key: str, read: float | None, new: float, now: float) -> bool:
        if read is None:
            return await self._db.applied("tat_new", key, new, _ttl(new, now))
        return await self._db.applied("tat_move", _ttl(new, now), new, key, read)

    async def _put_back(self, key: str, ours: float, read: float | None, now: float) -> None:
        if read is None:
            await self._db.run("tat_drop", key, ours)
        else:
            await self._db.run("tat_move", _ttl(read, now), read, key, ours)


def _ttl(tat: float, now: float) -> int:
    """Seconds until the TAT has passed (then the key is as good as new)."""
    return max(1, math.ceil(tat - now) + 1)
