"""The search service as the composition root sees it: its port (`search_index`,
chosen by PARLONS_SEARCH_BACKEND), its projection and its router.

PARLONS_SEARCH_BACKEND: `memory` | `tantivy` (files under <data_dir>/search) |
`opensearch` (OPENSEARCH_URL). Default: memory when the read store is in memory
(a throwaway platform), tantivy otherwise.
"""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable, Mapping

from services.core.clock import Clock
from services.runtime.settings import Settings
from services.search.indexer import SearchIndexer
from services.search.port import SearchIndex
from services.search.saved import HANDLERS as SAVED_HANDLERS
from services.search.saved import SavedSearches

PROJECTIONS = (SearchIndexer, SavedSearches)
HANDLERS: dict[type, Callable[..., Awaitable[None]]] = dict(SAVED_HANDLERS)


def build_index(settings: Settings) -> SearchIndex:
    backend = os.environ.get("PARLONS_SEARCH_BACKEND") or (
        "memory" if settings.read_store == "memory" else "tantivy")
    if backend == "memory":
        from services.search.memory import MemorySearchIndex

        return MemorySearchIndex()
    if backend == "tantivy":
        from services.search.tantivy_index import TantivySearchIndex

        return TantivySearchIndex(settings.data_dir / "search")
    if backend == "opensearch":
        from services.search.opensearch_index import OpenSearchIndex

        return OpenSearchIndex(os.environ["OPENSEARCH_URL"])
    raise ValueError(f"PARLONS_SEARCH_BACKEND={backend!r}: memory, tantivy or opensearch")


def ports(settings: Settings, clock: Clock) -> Mapping[str, object]:
    del clock
    return {"search_index": build_index(settings)}
