"""Every document of one partition, page by page (keyset): for exports that must
be whole, never a first page presented as everything."""

from __future__ import annotations

from collections.abc import AsyncIterator

from services.store.port import Doc, ReadStore

PAGE = 500


async def partition_rows(store: ReadStore, table: str, partition: str, *,
                         page_size: int = PAGE) -> AsyncIterator[tuple[str, Doc]]:
    """Every (key, document) of the partition in key order, read a page at a time."""
    after: str | None = None
    while page := await store.list(table, partition, limit=page_size, after=after):
        for row in page:
            yield row
        if len(page) < page_size:
            break
        after = page[-1][0]


async def whole_partition(store: ReadStore, table: str, partition: str, *,
                          page_size: int = PAGE) -> list[Doc]:
    return [doc async for _, doc in partition_rows(store, table, partition,
                                                    page_size=page_size)]
