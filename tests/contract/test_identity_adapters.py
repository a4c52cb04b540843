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
