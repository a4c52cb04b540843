"""Read side of the pages (cosmicpython's views): the only module that knows the
consultation service's read-model tables. Every function issues a fixed number
of store queries: lists are read a page at a time, never one query per item."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from services.consultation import projections as p
from services.store.port import Doc, ReadStore


def _now() -> str:
    return datetime.now(UTC).isoformat()


async def home(store: ReadStore) -> dict[str, Any]:
    rows = await store.list(p.CATALOGUE, "all", limit=200)
    consultations = [doc for _, doc in rows if doc.get("published", True)]
    return {"consultations": consultations}


async def consultation_page(store: ReadStore, slug: str) -> dict[str, Any] | None:
    ref = await store.get(p.BY_SLUG, "all", slug)
    if ref is None:
        return None
    doc: Doc | None = await store.get(p.CATALOGUE, "all", ref["id"])
    if doc is None:
        return None
    return {"consultation": doc}
