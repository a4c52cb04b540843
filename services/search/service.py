"""The search service as the composition root sees it: its projections (the
indexer writes the `search_index` port, which the root chooses from
PARLONS_SEARCH_BACKEND, see services/runtime/adapters.py) and its handlers
(saved searches)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from services.search.indexer import SearchIndexer
from services.search.saved import HANDLERS as SAVED_HANDLERS
from services.search.saved import SavedSearches

PROJECTIONS = (SearchIndexer, SavedSearches)
HANDLERS: dict[type, Callable[..., Awaitable[None]]] = dict(SAVED_HANDLERS)
