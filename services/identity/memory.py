"""Memory fakes of the identity ports (tests, throwaway platforms)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from services.identity.ports import OutboxMessage, OutboxStore, TokenLedger
from services.identity.vault import LookupTaken, NoProfile, Vault


class MemoryVault(Vault):
    def __init__(self, secret: str) -> None:
        super().__init__(secret)
        self.keys: dict[str, bytes] = {}
        self.profiles: dict[str, bytes] = {}
        self.lookups: dict[str, str] = {}
        self.purposes: dict[str, str] = {}  # lookup hash -> its purpose

    async def _load_key(self, person_id: str) -> bytes | None:
        return self.keys.get(person_id)

    async def _save(self, person_id: str, wrapped_key: bytes, sealed_profile: bytes,
                    lookups: Mapping[str, str], *, existing: bool = False) -> None:
        if existing and person_id not in self.keys:
            raise NoProfile(person_id)
        for h in lookups.values():
            owner = self.lookups.get(h)
            if owner is not None and owner != person_id:
                purpose = next(p for p, v in lookups.items() if v == h)
                raise LookupTaken(purpose)
        self.keys.setdefault(person_id, wrapped_key)
        self.profiles[person_id] = sealed_profile
        for h in [h for h, owner in self.lookups.items() if owner == person_id]:
            del self.lookups[h]
        self.lookups.update({h: person_id for h in lookups.values()})
        self.purposes.update({h: purpose for purpose, h in lookups.items()})

    async def _lookups_of(self, person_id: str) -> dict[str, str]:
        return {self.purposes[h]: h for h, owner in self.lookups.items() if owner == person_id}

    async def _load_profile(self, person_id: str) -> bytes | None:
        return self.profiles.get(person_id)

    async def _find(self, lookup_hash: str) -> str | None:
        return self.lookups.get(lookup_hash)

    async def _delete(self, person_id: str) -> None:
        self.keys.pop(person_id, None)
        self.profiles.pop(person_id, None)
        for h in [h for h, owner in self.lookups.items() if owner == person_id]:
            del self.lookups[h]


class MemoryTokenLedger(TokenLedger):
    def __init__(self) -> None:
        self.consumed: dict[str, datetime] = {}
        self.current: dict[str, tuple[str, datetime]] = {}

    async def make_current(self, subject: str, token_id: str, expires_at: datetime) -> None:
        self.current[subject] = (token_id, expires_at)

    async def is_current(self, subject: str, token_id: str) -> bool:
        found = self.current.get(subject)
        return found is not None and found[0] == token_id

    async def consume(self, token_id: str, expires_at: datetime) -> bool:
        if token_id in self.consumed:
            return False
        self.consumed[token_id] = expires_at
        return True

    async def purge(self, now: datetime) -> int:
        old = [t for t, exp in self.consumed.items() if exp < now]
        for t in old:
            del self.consumed[t]
        gone = [s for s, (_, exp) in self.current.items() if exp < now]
        for s in gone:
            del self.current[s]
        return len(old) + len(gone)


class MemoryOutbox(OutboxStore):
    def __init__(self) -> None:
        self.messages: list[OutboxMessage] = []

    async def add(self, message: OutboxMessage) -> None:
        self.messages.append(message)

    async def recent(self, limit: int = 50) -> list[OutboxMessage]:
        return sorted(self.messages, key=lambda m: m.created_at, reverse=True)[:limit]

    async def delete_person(self, person_id: str) -> None:
        self.messages = [m for m in self.messages if m.person_id != person_id]

    async def purge(self, before: datetime) -> int:
        kept = [m for m in self.messages if m.created_at >= before]
        removed = len(self.messages) - len(kept)
        self.messages = kept
        return removed
