"""Every document of one partition, page by page (keyset): for exports that must
be whole, never a first page presented as everything."""

from __future__ import annotations

from services.store.port import Doc, ReadStore

PAGE = 500


async def whole_partition(store: ReadStore, table: str, partition: str, *,
                          page_size: int = PAGE) -> list[Doc]:
    docs: list[Doc] = []
    after: str | None = None
    while page := await store.list(table, partition, limit=page_size, after=after):
        docs += [doc for _, doc in page]
        if len(page) < page_size:
            break
        after = page[-1][0]
    return docs
