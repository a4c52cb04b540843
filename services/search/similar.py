"""The "similar proposals" hint: the words of a title being typed, any of them
(OR), over the published proposals of the consultation."""

from __future__ import annotations

from services.core.values import fold
from services.search.port import SearchRequest

MIN_WORD = 4  # short words ("les", "des") match everything
MAX_WORDS = 12


def similar_request(title: str, consultation_id: str, *, size: int = 5) -> SearchRequest | None:
    """None when the title has no word worth looking for yet."""
    words = [w for w in "".join(c if c.isalnum() else " " for c in title).split()
             if len(fold(w)) >= MIN_WORD][:MAX_WORDS]
    if not words:
        return None
    return SearchRequest(query=" OR ".join(words), page_size=size,
                         filters={"consultation_id": [consultation_id], "kind": ["proposal"]})
