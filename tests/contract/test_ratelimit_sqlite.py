"""The rate-limiter contract on SQLite, and its counters shared by processes
over one data folder (issue #16: the sum across fronts, not per front)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from ratelimit_contract import RateLimiterContract

from services.identity.ratelimit import Budget, RateLimiter
from services.identity.ratelimit_sqlite import SqliteRateLimiter


class TestSqliteRateLimiter(RateLimiterContract):
    shared = True  # two instances over one file are two processes' view

    @pytest.fixture(autouse=True)
    def _dir(self, tmp_path: Path) -> None:
        self.path = tmp_path / "ratelimit.db"

    async def make_limiter(self) -> RateLimiter:
        return SqliteRateLimiter(self.path)


HIT = """
import asyncio, sys
from pathlib import Path
from services.identity.ratelimit import Budget
from services.identity.ratelimit_sqlite import SqliteRateLimiter

async def main() -> None:
    limiter = SqliteRateLimiter(Path(sys.argv[1]))
    allowed = 0
    for _ in range(40):
        allowed += (await limiter.hit([Budget("comment:c:shared", 30, 60)], now=100.0)).allowed
    print(allowed)

asyncio.run(main())
"""


async def test_processes_over_one_data_folder_share_one_budget(tmp_path: Path) -> None:
    path = tmp_path / "ratelimit.db"
    procs = [subprocess.Popen([sys.executable, "-c", HIT, str(path)], stdout=subprocess.PIPE,
                              text=True) for _ in range(3)]
    allowed = [int(p.communicate(timeout=60)[0]) for p in procs]
    assert sum(allowed) == 30, allowed
    here = SqliteRateLimiter(path)
    assert not (await here.hit([Budget("comment:c:shared", 30, 60)], now=100.0)).allowed
    await here.close()


async def test_keys_whose_time_has_passed_are_deleted(tmp_path: Path) -> None:
    """A key names a participant or an address's rotating hash: it does not
    outlive its window by more than a minute while requests come."""
    import sqlite3

    limiter = SqliteRateLimiter(tmp_path / "ratelimit.db")
    await limiter.hit([Budget("vote:i:p-erased", 30, 60)], now=1000.0)
    await limiter.hit([Budget("vote:i:p-other", 30, 60)], now=1000.0 + 61 + 60)
    with sqlite3.connect(tmp_path / "ratelimit.db") as db:
        keys = [k for (k,) in db.execute("SELECT key FROM rate_tat")]
    assert keys == ["vote:i:p-other"]
    await limiter.close()
