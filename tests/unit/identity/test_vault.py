"""The SQLite vault keeps no personal data in clear (the ports' contract on every
adapter: tests/contract/identity_contract.py)."""

from __future__ import annotations

from pathlib import Path

from services.identity.sqlite import IdentityDb, SqliteVault

SECRET = "vault-test-secret"


async def test_sqlite_file_holds_no_clear_personal_data(tmp_path: Path) -> None:
    vault = SqliteVault(IdentityDb(tmp_path / "identity.db"), SECRET)
    await vault.store_profile("p-1", {"email": "aline.martin@exemple.fr", "pseudonym": "Alinette"},
                              lookups={"email": "aline.martin@exemple.fr"})
    raw = b"".join(f.read_bytes() for f in tmp_path.iterdir())
    assert b"aline.martin" not in raw and b"Alinette" not in raw
