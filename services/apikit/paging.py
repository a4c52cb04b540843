"""The page shape of every JSON list: keyset pagination, `next` is the key to
pass as `after` for the following page (None on the last)."""

from __future__ import annotations

from typing import Any

Rows = list[tuple[str, dict[str, Any]]]


def page_of(rows: Rows, limit: int) -> dict[str, Any]:
    return {"items": [doc for _, doc in rows],
            "next": rows[-1][0] if len(rows) == limit else None}
