"""The token ledger's port, on each adapter: single use, the current token of a
subject (a new magic link revokes the previous, ADR 0041), purge."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from services.identity.memory import MemoryTokenLedger
from services.identity.ports import TokenLedger
from services.identity.sqlite import IdentityDb, SqliteTokenLedger

T0 = datetime(2026, 12, 4, 10, 0, tzinfo=UTC)


@pytest.fixture(params=["memory", "sqlite"])
def ledger(request: pytest.FixtureRequest, tmp_path: Path) -> TokenLedger:
    if request.param == "memory":
        return MemoryTokenLedger()
    return SqliteTokenLedger(IdentityDb(tmp_path / "identity.db"))


async def test_a_token_is_consumed_once(ledger: TokenLedger) -> None:
    assert await ledger.consume("t1", T0)
    assert not await ledger.consume("t1", T0)


async def test_the_last_token_made_current_is_the_only_current_one(ledger: TokenLedger) -> None:
    assert not await ledger.is_current("link:p-1", "a")
    await ledger.make_current("link:p-1", "a", T0 + timedelta(minutes=10))
    await ledger.make_current("link:p-2", "x", T0 + timedelta(minutes=10))
    assert await ledger.is_current("link:p-1", "a")
    await ledger.make_current("link:p-1", "b", T0 + timedelta(minutes=10))
    assert not await ledger.is_current("link:p-1", "a")
    assert await ledger.is_current("link:p-1", "b")
    assert await ledger.is_current("link:p-2", "x")


async def test_purge_forgets_what_expired(ledger: TokenLedger) -> None:
    await ledger.consume("old", T0)
    await ledger.make_current("link:p-1", "old", T0)
    await ledger.make_current("link:p-2", "new", T0 + timedelta(hours=1))
    assert await ledger.purge(T0 + timedelta(minutes=1)) == 2
    assert not await ledger.is_current("link:p-1", "old")
    assert await ledger.is_current("link:p-2", "new")
