"""The identity ports' contract on the memory fakes, SQLite and the Cassandra
adapters over a fake session (tests/harness/identity_cassandra_fake.py: their own
logic; tests/contract/test_identity_cassandra.py runs them on a real server)."""

from __future__ import annotations

from pathlib import Path

import pytest
from harness.identity_cassandra_fake import FakeIdentityCql
from identity_contract import (
    SECRET,
    OnCassandra,
    OutboxContract,
    TokenLedgerContract,
    VaultContract,
)

from services.identity.cassandra import IdentityCql
from services.identity.memory import MemoryOutbox, MemoryTokenLedger, MemoryVault
from services.identity.ports import OutboxStore, TokenLedger
from services.identity.sqlite import IdentityDb, SqliteOutbox, SqliteTokenLedger, SqliteVault
from services.identity.vault import Vault


class TestMemory(VaultContract, TokenLedgerContract, OutboxContract):
    async def make_vault(self) -> Vault:
        return MemoryVault(SECRET)

    async def make_ledger(self) -> TokenLedger:
        return MemoryTokenLedger()

    async def make_outbox(self) -> OutboxStore:
        return MemoryOutbox()



class TestSqlite(VaultContract, TokenLedgerContract, OutboxContract):
    @pytest.fixture(autouse=True)
    def _db(self, tmp_path: Path) -> None:
        self.db = IdentityDb(tmp_path / "identity.db")

    async def make_vault(self) -> Vault:
        return SqliteVault(self.db, SECRET)

    async def make_ledger(self) -> TokenLedger:
        return SqliteTokenLedger(self.db)

    async def make_outbox(self) -> OutboxStore:
        return SqliteOutbox(self.db)


class TestCassandraOnAFakeSession(OnCassandra):
    @pytest.fixture(autouse=True)
    def _db(self) -> None:
        self.fake = FakeIdentityCql()
        self.db = IdentityCql(cql=self.fake, now=lambda: self.fake.now)


async def test_no_call_is_the_last_to_close_the_identity_file(tmp_path: Path) -> None:
    """The last connection to close a WAL file checkpoints it and deletes the WAL
    under an exclusive lock; a connection opening meanwhile failed at once with
    "database is locked" (a 500 under concurrent requests). One connection stays
    open, so the WAL outlives every call; an erasure still empties it."""
    wal = tmp_path / "identity.db-wal"
    vault = SqliteVault(IdentityDb(tmp_path / "identity.db"), SECRET)
    person = "p-1"
    await vault.store_profile(person, {"email": "a@example.org"})

    assert wal.exists(), "the call's connection was the last: it deleted the WAL"
    assert await vault.profile(person) == {"email": "a@example.org"}

    await vault.erase(person)
    assert wal.exists() and wal.stat().st_size == 0  # emptied, no bytes of the person left
