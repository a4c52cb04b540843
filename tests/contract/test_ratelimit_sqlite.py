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


async def test_a_hit_waits_for_another_writer_off_the_loop(tmp_path: Path) -> None:
    """The loop's attempt never waits (busy timeout zero): while another
    connection holds the file's write lock, the hit goes to the executor, which
    waits for the lock, so the loop stays free and the hit is counted."""
    import asyncio
    import sqlite3

    path = tmp_path / "ratelimit.db"
    limiter = SqliteRateLimiter(path)
    await limiter.hit([Budget("vote:i:p-first", 30, 60)], now=100.0)
    other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")
    ticks = 0

    async def ticking() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    ticker = asyncio.create_task(ticking())
    hit = asyncio.create_task(limiter.hit([Budget("vote:i:p-second", 30, 60)], now=100.0))
    await asyncio.sleep(0.3)
    assert not hit.done() and ticks >= 10  # waiting, and not on the loop
    other.execute("COMMIT")
    assert (await asyncio.wait_for(hit, 5)).allowed
    ticker.cancel()
    other.close()
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT count(*) FROM rate_tat").fetchone()[0] == 2
    await limiter.close()


async def test_the_counters_are_one_b_tree_and_an_older_file_is_replaced(tmp_path: Path) -> None:
    """ADR 0097: the keys' table is WITHOUT ROWID (a hit writes one b-tree, not a
    table and its key's index); a file made before keeps working, its counters
    started afresh."""
    import sqlite3

    path = tmp_path / "ratelimit.db"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE rate_tat (key TEXT PRIMARY KEY, tat REAL NOT NULL)")
        db.execute("INSERT INTO rate_tat VALUES ('vote:i:p-old', 1e12)")
    db.close()
    limiter = SqliteRateLimiter(path)
    assert (await limiter.hit([Budget("vote:i:p-old", 1, 60)], now=100.0)).allowed
    assert not (await limiter.hit([Budget("vote:i:p-old", 1, 60)], now=100.0)).allowed
    await limiter.close()
    with sqlite3.connect(path) as db:
        (sql,) = db.execute("SELECT sql FROM sqlite_master WHERE name = 'rate_tat'").fetchone()
        assert "WITHOUT ROWID" in sql.upper()
        assert db.execute("SELECT count(*) FROM rate_tat").fetchone()[0] == 1
    db.close()


async def test_the_hits_of_one_turn_are_decided_in_order_in_one_transaction(
        tmp_path: Path) -> None:
    """ADR 0104: requests hitting the limiter in the same turn of the loop are
    counted in one transaction (one commit, so the WAL grows by one frame, not
    one per hit), each decided on the TATs the hits before it left: a refused
    hit spends nothing, an allowed one spends every budget it names."""
    import asyncio

    path = tmp_path / "ratelimit.db"
    limiter = SqliteRateLimiter(path)
    await limiter.hit([Budget("warm", 1, 60)], now=100.0)  # the file and its WAL exist
    wal = Path(f"{path}-wal")
    before = wal.stat().st_size

    def both(who: str) -> list[Budget]:
        return [Budget("vote:c:shared", 6, 60), Budget(f"vote:i:{who}", 1, 60)]

    verdicts = await asyncio.gather(*[limiter.hit(both(who), now=100.0)
                                      for who in "aabcdefgh"])
    assert [v.allowed for v in verdicts] == [True, False] + [True] * 5 + [False] * 2
    grown = wal.stat().st_size - before
    assert 0 < grown <= 2 * (4096 + 24), grown  # one commit: a frame or two, not six
    assert (await limiter.hit([Budget("vote:i:g", 1, 60)], now=100.0)).allowed  # g spent nothing
    await limiter.close()


async def test_a_hit_after_close_is_refused_with_an_error(tmp_path: Path) -> None:
    limiter = SqliteRateLimiter(tmp_path / "ratelimit.db")
    assert (await limiter.hit([Budget("k", 1, 60)], now=1.0)).allowed
    await limiter.close()
    with pytest.raises(RuntimeError):
        await limiter.hit([Budget("k2", 1, 60)], now=1.0)
