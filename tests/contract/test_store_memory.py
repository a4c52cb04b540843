"""The read-store contract on the in-memory fake."""

from __future__ import annotations

from store_contract import ReadStoreContract

from services.store.memory import MemoryReadStore
from services.store.port import ReadStore


class TestMemoryReadStore(ReadStoreContract):
    async def make_store(self) -> ReadStore:
        return MemoryReadStore()


class PortDefaults(MemoryReadStore):
    """The memory store answering `key_at` with the port's own default (keyset pages
    of `list`), the one stores without a cheaper way inherit (Cassandra)."""

    key_at = ReadStore.key_at


class TestReadStorePortDefaults(ReadStoreContract):
    async def make_store(self) -> ReadStore:
        return PortDefaults()

    async def test_key_at_pages_past_a_page_of_keys(self) -> None:
        store = PortDefaults()
        keys = [f"{i:05d}" for i in range(1_234)]
        async with store.transaction() as tx:
            for k in keys:
                await tx.put("t", "p", k, {})
        for index in (0, 499, 500, 501, 999, 1_000, 1_233):
            assert await store.key_at("t", "p", index) == keys[index]
            assert await store.key_at("t", "p", index, reverse=True) == keys[::-1][index]
        assert await store.key_at("t", "p", 1_234) is None
