"""The published tables beside the questionnaires' answers (proposals,
arguments, vote counts): rows as {column: value}, k-anonymous over territory x
day like the answers (ADR 0047), written as CSV page by page."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator, Callable, Sequence

from services.core.spreadsheet import csv_writer
from services.store.port import Doc, ReadStore
from services.synthesis.opendata.kanonymity import Cell, cell_of, coarsen, plan

PAGE = 500
Rows = Callable[[], AsyncIterator[dict[str, str]]]


async def pages(store: ReadStore, table: str, partition: str, *,
                page: int = PAGE) -> AsyncIterator[Doc]:
    """A partition's documents in key order, one store page in memory at a time."""
    after = None
    while True:
        found = await store.list(table, partition, limit=page, after=after)
        for _, doc in found:
            yield doc
        if len(found) < page:
            return
        after = found[-1][0]


async def k_anonymous(rows: Rows, k: int, *, territory: str | None,
                      dates: Sequence[str]) -> AsyncIterator[dict[str, str]]:
    """`rows()` read twice when k > 1: once to count each (territory, day) cell,
    once to write, each row shown at its cell's grain (kanonymity.plan). The
    first of `dates` is the day counted; `territory` None: a table without one."""
    if k <= 1:
        async for row in rows():
            yield row
        return
    counts: dict[Cell, int] = {}
    async for row in rows():
        cell = cell_of(row[territory] if territory else "", row[dates[0]])
        counts[cell] = counts.get(cell, 0) + 1
    shown = plan(counts, k)
    async for row in rows():
        how = shown[cell_of(row[territory] if territory else "", row[dates[0]])]
        if territory:
            row[territory] = how.territory
        for name in dates:
            row[name] = coarsen(row[name], how.grain)
        yield row


async def csv_bytes(columns: Sequence[str], rows: AsyncIterator[dict[str, str]], *,
                    page: int = PAGE) -> AsyncIterator[bytes]:
    buffer = io.StringIO()
    writer = csv_writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    count = 0
    async for row in rows:
        writer.writerow([row[c] for c in columns])
        count += 1
        if count % page == 0:
            yield _drain(buffer)
    yield _drain(buffer)


def _drain(buffer: io.StringIO) -> bytes:
    data = buffer.getvalue().encode("utf-8")
    buffer.seek(0)
    buffer.truncate()
    return data
