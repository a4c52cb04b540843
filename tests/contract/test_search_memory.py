"""The search contract on the in-memory fake."""

from __future__ import annotations

from search_contract import SearchIndexContract

from services.search.memory import MemorySearchIndex
from services.search.port import SearchIndex


class TestMemorySearchIndex(SearchIndexContract):
    async def make_index(self) -> SearchIndex:
        return MemorySearchIndex()
