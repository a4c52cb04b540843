"""What the JSON API and the analyst pages share: how request parameters become a
SearchRequest, the public restriction, and the CSV
export streamed page by page (cells a spreadsheet would run as formulas made inert)."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import replace

from services.core.spreadsheet import csv_writer
from services.search.port import SearchIndex, SearchRequest

PUBLIC_KINDS = ("proposal", "argument", "comment")  # questionnaire answers stay with analysts
EXPORT_COLUMNS = ("id", "kind", "consultation_id", "phase_id", "question_id", "theme_id",
                  "commune", "departement", "region", "identity_level", "status", "date",
                  "votes", "title", "body")


def request_from(params: Mapping[str, Sequence[str]], *, page_size: int = 20) -> SearchRequest:
    """`q`, `sort`, `seed`, `page`, `size`, `facet` (repeated) and `<facet>=value`
    (repeated: OR) as a SearchRequest; ValueError for numbers that are not numbers."""
    def one(name: str, default: str = "") -> str:
        values = params.get(name) or [default]
        return values[0]
    filters = {name[2:]: [v for v in values if v] for name, values in params.items()
               if name.startswith("f.")}
    return SearchRequest(
        query=one("q"), sort=one("sort", "relevance") or "relevance",
        seed=int(one("seed", "0") or 0), page=int(one("page", "1") or 1),
        page_size=int(one("size", str(page_size)) or page_size),
        facets=[f for f in params.get("facet", []) if f],
        filters={k: vs for k, vs in filters.items() if vs})


def public(request: SearchRequest, consultation_id: str | None) -> SearchRequest:
    """Published contributions only (the index holds nothing else) and no answers."""
    filters = dict(request.filters)
    filters["kind"] = [k for k in filters.get("kind", PUBLIC_KINDS) if k in PUBLIC_KINDS] or [
        "none"]
    if consultation_id:
        filters["consultation_id"] = [consultation_id]
    return replace(request, filters=filters)


async def export_csv(index: SearchIndex, request: SearchRequest, *,
                     header: Sequence[str] = EXPORT_COLUMNS,
                     labels: Mapping[str, Mapping[str, str]] | None = None
                     ) -> AsyncIterator[bytes]:
    """The whole result set as CSV, one scan batch at a time: memory stays bounded by a
    batch and each batch costs the same whatever the number of rows. Rows come in a
    stable order (id hash), not the page's sort: `date` and `votes` are columns.
    `header` names EXPORT_COLUMNS for people (the back office's French headings);
    `labels` gives a column's values in words (« Proposition » for `proposal`)."""
    buffer = io.StringIO()
    writer = csv_writer(buffer)
    writer.writerow(header)
    yield buffer.getvalue().encode()
    said = labels or {}
    async for docs in index.scan(request):
        buffer.seek(0)
        buffer.truncate()
        writer.writerows([_said(said, c, getattr(doc, c)) for c in EXPORT_COLUMNS]
                         for doc in docs)
        yield buffer.getvalue().encode()


def _said(labels: Mapping[str, Mapping[str, str]], column: str, value: object) -> object:
    words = labels.get(column)
    return words.get(value, value) if words and isinstance(value, str) else value

