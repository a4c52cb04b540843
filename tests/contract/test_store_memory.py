"""The read-store contract on the in-memory fake."""

from __future__ import annotations

from store_contract import ReadStoreContract

from services.store.memory import MemoryReadStore
from services.store.port import ReadStore


class TestMemoryReadStore(ReadStoreContract):
    async def make_store(self) -> ReadStore:
        return MemoryReadStore()
