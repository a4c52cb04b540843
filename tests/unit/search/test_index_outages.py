"""The search index adapters translate "cannot do it now" into SearchUnavailable,
which a worker waits out instead of dead-lettering (ADR 0031)."""

from __future__ import annotations

from pathlib import Path

import pytest

from services.core.errors import Unavailable
from services.search.errors import SearchUnavailable
from services.search.opensearch_index import OpenSearchIndex
from services.search.port import SearchDoc
from services.search.tantivy_index import TantivySearchIndex

DOC = SearchDoc(id="p-1", title="Pistes cyclables", body="Partout.", date="2026-12-04T09:00:00Z")


async def test_tantivy_with_its_directory_held_by_another_writer_is_unavailable(
    tmp_path: Path,
) -> None:
    holder, other = TantivySearchIndex(tmp_path), TantivySearchIndex(tmp_path)
    await holder.upsert([(DOC, 1)])  # opens, and keeps, the directory's one writer

    with pytest.raises(SearchUnavailable, match="LockBusy") as raised:
        await other.upsert([(DOC, 2)])
    assert isinstance(raised.value, Unavailable)

    await holder.upsert([(DOC, 3)])  # the holder is unharmed
    assert await holder.count() == 1


async def test_opensearch_out_of_reach_is_unavailable() -> None:
    index = OpenSearchIndex("http://127.0.0.1:9")  # the discard port: nobody listens
    with pytest.raises(SearchUnavailable, match="Connection refused"):
        await index.upsert([(DOC, 1)])
