"""The search service as the composition root sees it: its projections (the
indexer writes the `search_index` port, which the root chooses from
PARLONS_SEARCH_BACKEND, see services/runtime/adapters.py), its handlers (saved
searches) and the commands a distributed front routes to its replicas."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from services.search.indexer import SearchIndexer
from services.search.saved import HANDLERS as SAVED_HANDLERS
from services.search.saved import ROUTED as SAVED_ROUTED
from services.search.saved import SavedSearches

PROJECTIONS = (SearchIndexer, SavedSearches)
HANDLERS: dict[type, Callable[..., Awaitable[None]]] = dict(SAVED_HANDLERS)
# Every command appends to its saved search's stream, and reads nothing else.
ROUTED: dict[type, Callable[[Any], str]] = dict(SAVED_ROUTED)
