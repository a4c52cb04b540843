"""`SearchIndex.scan` keyset paging when id hashes collide (forced on the memory
index): no document repeated, none skipped, whatever the batch size."""

from __future__ import annotations

import pytest

from services.search.memory import MemorySearchIndex, id_hash
from services.search.port import SearchDoc, SearchRequest


class CollidingIndex(MemorySearchIndex):
    def hash_of(self, doc_id: str) -> int:
        return id_hash(doc_id) % 4  # 40 documents on 4 hashes


@pytest.mark.parametrize("batch_size", [1, 3, 10, 50])
async def test_scan_survives_colliding_hashes(batch_size: int) -> None:
    index = CollidingIndex()
    await index.upsert([(SearchDoc(id=f"d{i}", title="Titre", body="Un texte",
                                   date="2024-01-01T00:00:00Z"), 1) for i in range(40)])
    got = [d.id async for docs in index.scan(SearchRequest(), batch_size=batch_size)
           for d in docs]
    assert sorted(got) == sorted(f"d{i}" for i in range(40))
