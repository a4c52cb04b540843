"""The search contract on the embedded tantivy index (on disk, in a temp dir)."""

from __future__ import annotations

from pathlib import Path

import pytest
from search_contract import SearchIndexContract

from services.search.port import SearchDoc, SearchIndex
from services.search.tantivy_index import TantivySearchIndex


class TestTantivySearchIndex(SearchIndexContract):
    @pytest.fixture(autouse=True)
    def _dir(self, tmp_path: Path) -> None:
        self.path = tmp_path / "search"

    async def make_index(self) -> SearchIndex:
        return TantivySearchIndex(self.path)


async def test_origin_survives_a_reopen(tmp_path: Path) -> None:
    index = TantivySearchIndex(tmp_path / "search")
    await index.set_origin("sqlite:abc")
    await index.close()
    assert await TantivySearchIndex(tmp_path / "search").origin() == "sqlite:abc"


async def test_a_bulk_load_is_committed_once_at_its_end(tmp_path: Path) -> None:
    index = TantivySearchIndex(tmp_path / "search")
    await index.begin_bulk()
    doc = SearchDoc(id="p1", title="Tramway", body="", date="2024-01-01T00:00:00Z")
    await index.upsert([(doc, 1)])
    reader = TantivySearchIndex(tmp_path / "search")  # another process's view
    assert await reader.count() == 0  # nothing committed per call
    await index.end_bulk()
    assert await TantivySearchIndex(tmp_path / "search").count() == 1
