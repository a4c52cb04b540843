"""The vault's contract, on the memory fake and the SQLite adapter."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from services.identity.memory import MemoryVault
from services.identity.sqlite import IdentityDb, SqliteVault
from services.identity.vault import LookupTaken, Vault

SECRET = "vault-test-secret"


@pytest.fixture(params=["memory", "sqlite"])
def vault(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Vault]:
    if request.param == "memory":
        yield MemoryVault(SECRET)
    else:
        yield SqliteVault(IdentityDb(tmp_path / "identity.db"), SECRET)


async def test_profile_round_trip_and_lookup(vault: Vault) -> None:
    await vault.store_profile("p-1", {"email": "a@b.fr", "pseudonym": "Aline"},
                              lookups={"email": "a@b.fr"})
    assert await vault.profile("p-1") == {"email": "a@b.fr", "pseudonym": "Aline"}
    assert await vault.find("email", "a@b.fr") == "p-1"
    assert await vault.find("email", "other@b.fr") is None


async def test_a_lookup_belongs_to_one_person(vault: Vault) -> None:
    await vault.store_profile("p-1", {"x": 1}, lookups={"email": "a@b.fr"})
    with pytest.raises(LookupTaken):
        await vault.store_profile("p-2", {"x": 2}, lookups={"email": "a@b.fr"})
    assert await vault.profile("p-2") is None


async def test_erasure_destroys_the_key(vault: Vault) -> None:
    await vault.store_profile("p-1", {"email": "a@b.fr"}, lookups={"email": "a@b.fr"})
    sealed = await vault.seal_for("p-1", b"message", purpose="outbox")
    assert sealed is not None and b"message" not in sealed
    assert await vault.open_for("p-1", sealed, purpose="outbox") == b"message"
    await vault.erase("p-1")
    assert await vault.profile("p-1") is None
    assert await vault.find("email", "a@b.fr") is None
    assert await vault.open_for("p-1", sealed, purpose="outbox") is None
    assert await vault.seal_for("p-1", b"again", purpose="outbox") is None


async def test_ciphertext_is_bound_to_its_owner(vault: Vault) -> None:
    await vault.store_profile("p-1", {}, lookups={})
    await vault.store_profile("p-2", {}, lookups={})
    sealed = await vault.seal_for("p-1", b"secret", purpose="outbox")
    assert sealed is not None
    assert await vault.open_for("p-2", sealed, purpose="outbox") is None


async def test_sqlite_file_holds_no_clear_personal_data(tmp_path: Path) -> None:
    vault = SqliteVault(IdentityDb(tmp_path / "identity.db"), SECRET)
    await vault.store_profile("p-1", {"email": "aline.martin@exemple.fr", "pseudonym": "Alinette"},
                              lookups={"email": "aline.martin@exemple.fr"})
    raw = b"".join(f.read_bytes() for f in tmp_path.iterdir())
    assert b"aline.martin" not in raw and b"Alinette" not in raw
