"""The privacy vault port: personal data encrypted with a per-person data key.

Each person gets a random AES-256 key, itself wrapped (AES-GCM) under a key
derived from the server secret. Their profile (e-mail, pseudonym, postcode) and
anything else personal (outbox messages) is sealed with that key. `erase`
deletes the key row: every ciphertext of that person becomes noise wherever it
lies (crypto-shredding), and adapters also delete the rows and scrub freed
pages. Lookups by value (an e-mail at login) go through keyed hashes.

Adapters implement the storage primitives; the cryptography lives here, once.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from typing import Any

import orjson
from cryptography.exceptions import InvalidTag

from services.identity.crypto import keyed_hash, new_data_key, open_sealed, seal, sub_key


class LookupTaken(Exception):
    """A keyed-hash lookup (e.g. the e-mail) already belongs to another person."""

    def __init__(self, purpose: str) -> None:
        super().__init__(purpose)
        self.purpose = purpose


class NoProfile(Exception):
    """The person has no profile in the vault (erased, or never registered)."""


class Vault(ABC):
    def __init__(self, secret: str) -> None:
        if not secret:
            raise ValueError("the vault needs a server secret")
        self._secret = secret
        self._kek = sub_key(secret, "vault-key-encryption")

    # -- storage primitives (adapters) ---------------------------------------
    @abstractmethod
    async def _load_key(self, person_id: str) -> bytes | None: ...

    @abstractmethod
    async def _save(self, person_id: str, wrapped_key: bytes, sealed_profile: bytes,
                    lookups: Mapping[str, str], *, existing: bool = False) -> None:
        """Upsert key (kept if present), profile and lookups atomically; raise
        LookupTaken when a lookup hash belongs to someone else. `existing`: the key
        must be there already, else `NoProfile` and nothing written (a change
        never brings back a person erased meanwhile)."""

    @abstractmethod
    async def _load_profile(self, person_id: str) -> bytes | None: ...

    @abstractmethod
    async def _find(self, lookup_hash: str) -> str | None: ...

    @abstractmethod
    async def _delete(self, person_id: str) -> None:
        """Delete the key, profile and lookups, leaving no readable trace."""

    @abstractmethod
    async def _lookups_of(self, person_id: str) -> dict[str, str]:
        """The lookup hashes this person owns, by purpose."""

    # -- public interface -------------------------------------------------------
    def blind_index(self, purpose: str, value: str) -> str:
        return keyed_hash(self._secret, purpose, value)

    async def store_profile(self, person_id: str, profile: Mapping[str, Any], *,
                            lookups: Mapping[str, str] | None = None) -> None:
        """Seal and store `profile`; `lookups` maps purpose -> clear value to index
        by keyed hash (the value itself is never stored)."""
        key = await self._key(person_id) or new_data_key()
        sealed = seal(key, orjson.dumps(dict(profile)), context=_ctx(person_id, "profile"))
        hashes = {purpose: self.blind_index(purpose, value)
                  for purpose, value in (lookups or {}).items()}
        wrapped = seal(self._kek, key, context=_ctx(person_id, "key"))
        await self._save(person_id, wrapped, sealed, hashes)

    async def replace_profile(self, person_id: str, profile: Mapping[str, Any], *,
                              lookups: Mapping[str, str]) -> None:
        """Seal `profile` in place of the person's, re-indexing the lookups named in
        `lookups` (purpose -> clear value) and keeping their other ones as they are
        (an OpenID Connect subject, which no profile holds in clear). `NoProfile`
        for a person without a key (erased, unknown): a change never brings an
        erased person back; `LookupTaken` as `store_profile`."""
        key = await self._key(person_id)
        if key is None:
            raise NoProfile(person_id)
        sealed = seal(key, orjson.dumps(dict(profile)), context=_ctx(person_id, "profile"))
        hashes = {**await self._lookups_of(person_id),
                  **{purpose: self.blind_index(purpose, value)
                     for purpose, value in lookups.items()}}
        wrapped = seal(self._kek, key, context=_ctx(person_id, "key"))
        await self._save(person_id, wrapped, sealed, hashes, existing=True)

    async def profile(self, person_id: str) -> dict[str, Any] | None:
        key, blob = await self._key(person_id), await self._load_profile(person_id)
        if key is None or blob is None:
            return None
        data: dict[str, Any] = orjson.loads(
            open_sealed(key, blob, context=_ctx(person_id, "profile")))
        return data

    async def lookup_purposes(self, person_id: str) -> frozenset[str]:
        """What this person can be found by (`email`, `pseudonym`, `oidc`...)."""
        return frozenset(await self._lookups_of(person_id))

    async def find(self, purpose: str, value: str) -> str | None:
        return await self._find(self.blind_index(purpose, value))

    async def seal_for(self, person_id: str, data: bytes, *, purpose: str) -> bytes | None:
        """Encrypt under the person's key (None when they have no key: erased)."""
        key = await self._key(person_id)
        return None if key is None else seal(key, data, context=_ctx(person_id, purpose))

    async def open_for(self, person_id: str, blob: bytes, *, purpose: str) -> bytes | None:
        key = await self._key(person_id)
        if key is None:
            return None
        try:
            return open_sealed(key, blob, context=_ctx(person_id, purpose))
        except InvalidTag:
            return None

    async def erase(self, person_id: str) -> None:
        await self._delete(person_id)

    async def _key(self, person_id: str) -> bytes | None:
        wrapped = await self._load_key(person_id)
        if wrapped is None:
            return None
        return open_sealed(self._kek, wrapped, context=_ctx(person_id, "key"))


def _ctx(person_id: str, purpose: str) -> bytes:
    return f"{purpose}:{person_id}".encode()
