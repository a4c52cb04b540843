"""Several processes on one tantivy directory: only the one that writes holds the
writer lock; the others search and see its commits after a reload."""

from __future__ import annotations

import asyncio
from pathlib import Path

from services.search.port import SearchDoc, SearchRequest
from services.search.tantivy_index import RELOAD_EVERY, TantivySearchIndex


async def test_a_reading_instance_takes_no_lock_and_sees_the_writer_commits(
    tmp_path: Path,
) -> None:
    reader = TantivySearchIndex(tmp_path)  # opened first: must not hold the writer lock
    writer = TantivySearchIndex(tmp_path)
    await writer.upsert([(SearchDoc(id="p1", title="Pistes cyclables", body="Des vélos",
                                    date="2026-11-28T09:00:00Z"), 1)])
    await asyncio.sleep(RELOAD_EVERY * 1.5)
    page = await reader.search(SearchRequest(query="cyclable"))
    assert [hit.doc.id for hit in page.hits] == ["p1"]
    await writer.close()
    await reader.close()
