"""`purge` forgets expired tokens on the adapters that count them (the rest of the
ports' contract on every adapter: tests/contract/identity_contract.py; Cassandra
leaves expiry to TTLs: tests/unit/identity/test_cassandra_identity.py)."""

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


async def test_purge_forgets_what_expired(ledger: TokenLedger) -> None:
    await ledger.consume("old", T0)
    await ledger.make_current("link:p-1", "old", T0)
    await ledger.make_current("link:p-2", "new", T0 + timedelta(hours=1))
    assert await ledger.purge(T0 + timedelta(minutes=1)) == 2
    assert not await ledger.is_current("link:p-1", "old")
    assert await ledger.is_current("link:p-2", "new")
