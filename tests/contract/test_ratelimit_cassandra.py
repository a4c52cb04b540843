"""The rate-limiter contract on the Cassandra adapter (ADR 0077): over a fake
session (tests/harness/identity_cassandra_fake.py: the adapter's own logic, its
compare-and-set rounds), and against a real Cassandra when CASSANDRA_CONTACT_POINTS
is set (skipped, and says so, otherwise):

    CASSANDRA_CONTACT_POINTS=127.0.0.1 .venv/bin/pytest -q -rs \
        tests/contract/test_ratelimit_cassandra.py
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from harness.identity_cassandra_fake import FakeIdentityCql
from ratelimit_contract import RateLimiterContract
from test_store_cassandra import CONTACT_POINTS, config

from services.identity.cassandra import IdentityCql
from services.identity.ratelimit import Budget, RateLimiter
from services.identity.ratelimit_cassandra import CassandraRateLimiter


class TestCassandraRateLimiterOnAFakeSession(RateLimiterContract):
    shared = True  # two limiters over one session: the counters of every front

    @pytest.fixture(autouse=True)
    def _fake(self) -> None:
        self.fake = FakeIdentityCql()

    async def make_limiter(self) -> RateLimiter:
        return CassandraRateLimiter(IdentityCql(cql=self.fake, now=lambda: self.fake.now))

    async def test_a_key_that_moved_under_a_hit_puts_the_others_back(self) -> None:
        """Two keys: the second moves between the read and the write (another
        front's hit); the first goes back, the hit starts over and counts once."""
        limiter = await self.make_limiter()
        real_run = self.fake.run
        raced = False

        async def another_front_moves_who(name: str, params: tuple[object, ...]
                                          ) -> list[tuple[object, ...]]:
            nonlocal raced
            key = params[0] if name == "tat_new" else params[2] if name == "tat_move" else None
            if key == "who" and not raced:
                raced = True
                await real_run("tat_new", ("who", 10.0, 60))
            return await real_run(name, params)

        self.fake.run = another_front_moves_who  # type: ignore[method-assign]
        verdict = await limiter.hit([Budget("client", 10, 60), Budget("who", 10, 60)], now=0.0)
        assert verdict.allowed and raced
        tats = {k: cols["tat"] for k, (cols, _) in self.fake.tables["tat"].items()}
        assert tats == {"client": 6.0, "who": 16.0}  # client counted once, who twice


@pytest.mark.skipif(not CONTACT_POINTS, reason="CASSANDRA_CONTACT_POINTS is not set: the "
                    "Cassandra rate-limiter contract run is skipped")
class TestCassandraRateLimiter(RateLimiterContract):
    shared = True

    @pytest.fixture(autouse=True)
    def _session(self) -> Iterator[None]:
        self.dbs: list[IdentityCql] = []
        yield
        for db in self.dbs:
            db.shutdown()

    async def make_limiter(self) -> RateLimiter:
        self.dbs.append(IdentityCql(config()))  # type: ignore[arg-type]  (one session each)
        return CassandraRateLimiter(self.dbs[-1])
