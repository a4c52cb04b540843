"""What the Cassandra identity adapters add to the ports' contract, on a fake
session (tests/harness/identity_cassandra_fake.py): a registration cut before its
profile does not hold the e-mail for ever, erasure shreds the key first, and token
expiry is left to Cassandra's TTLs."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from harness.identity_cassandra_fake import FakeIdentityCql

from services.identity.cassandra import (
    CassandraOutbox,
    CassandraTokenLedger,
    CassandraVault,
    IdentityCql,
)
from services.identity.ratelimit_cassandra import CassandraRateLimiter
from services.identity.vault import LookupTaken


class Cut(Exception):
    pass


@pytest.fixture
def fake() -> FakeIdentityCql:
    return FakeIdentityCql()


def on(fake: FakeIdentityCql) -> IdentityCql:
    return IdentityCql(cql=fake, now=lambda: fake.now)


async def test_a_registration_cut_before_its_profile_frees_the_email_a_minute_later(
        fake: FakeIdentityCql) -> None:
    vault = CassandraVault(on(fake), "s")
    real_run = fake.run

    async def dies_at_the_key(name: str, params: tuple[object, ...]) -> list[tuple[object, ...]]:
        if name == "key_claim":
            raise Cut
        return await real_run(name, params)

    fake.run = dies_at_the_key  # type: ignore[method-assign]
    with pytest.raises(Cut):
        await vault.store_profile("p-dead", {"email": "a@b.fr"}, lookups={"email": "a@b.fr"})
    fake.run = real_run  # type: ignore[method-assign]
    with pytest.raises(LookupTaken):  # still claimed, for a while
        await vault.store_profile("p-new", {"email": "a@b.fr"}, lookups={"email": "a@b.fr"})
    fake.advance(timedelta(seconds=61))
    await vault.store_profile("p-new", {"email": "a@b.fr"}, lookups={"email": "a@b.fr"})
    assert await vault.find("email", "a@b.fr") == "p-new"
    fake.advance(timedelta(days=30))  # a kept claim has no TTL
    assert await vault.find("email", "a@b.fr") == "p-new"


async def test_erasure_deletes_the_key_before_anything_else(fake: FakeIdentityCql) -> None:
    vault = CassandraVault(on(fake), "s")
    await vault.store_profile("p-1", {"email": "a@b.fr"}, lookups={"email": "a@b.fr"})
    fake.calls.clear()
    await vault.erase("p-1")
    assert fake.calls[0] == "key_drop"


async def test_tokens_expire_by_ttl_past_their_own_expiry(fake: FakeIdentityCql) -> None:
    ledger = CassandraTokenLedger(on(fake))
    expires = fake.now + timedelta(minutes=15)
    assert await ledger.consume("t-1", expires)
    await ledger.make_current("link:p-1", "t-1", expires)
    fake.advance(timedelta(minutes=30))  # expired, still remembered (the margin)
    assert not await ledger.consume("t-1", expires)
    assert await ledger.purge(fake.now) == 0  # nothing for purge to do
    fake.advance(timedelta(hours=1))
    assert not await ledger.is_current("link:p-1", "t-1")
    assert await ledger.consume("t-1", expires)  # forgotten: it fails on its expiry anyway


def test_with_the_cassandra_read_store_identity_keeps_nothing_on_local_disk(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from services.core.clock import SystemClock
    from services.runtime import adapters
    from services.runtime.settings import Settings

    for name, value in {"READ_STORE": "cassandra", "CASSANDRA_CONTACT_POINTS": "c1",
                        "CASSANDRA_KEYSPACE": "consultations", "DATA_DIR": str(tmp_path),
                        "IDENTITY_SECRET": "s"}.items():
        monkeypatch.setenv(f"PARLONS_{name}", value)
    ports = adapters.identity_ports(Settings(), SystemClock())  # built, not connected
    assert isinstance(ports.vault, CassandraVault)
    assert isinstance(ports.ledger, CassandraTokenLedger)
    assert isinstance(ports.outbox, CassandraOutbox)
    assert isinstance(ports.limiter, CassandraRateLimiter)  # the sum over every front
    assert ports.vault._db.config is not None
    assert ports.vault._db.config.keyspace == "parlons_identity"
    assert list(tmp_path.iterdir()) == []  # no identity.db
