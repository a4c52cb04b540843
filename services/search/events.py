"""Events of the search service (schemas in schemas/events/search.*): the analysts'
saved searches. Only the pseudonymous owner id, a name and the query parameters."""

from __future__ import annotations

from dataclasses import dataclass

from services.core.events import DomainEvent


@dataclass(frozen=True, slots=True)
class SearchSaved(DomainEvent):
    """`params`: the workspace's query string (q, filters, facets, sort, seed)."""

    TYPE = "search.SearchSaved"
    VERSION = 1

    saved_search_id: str
    consultation_id: str
    owner_id: str
    name: str
    params: str


@dataclass(frozen=True, slots=True)
class SavedSearchDeleted(DomainEvent):
    TYPE = "search.SavedSearchDeleted"
    VERSION = 1

    saved_search_id: str
    consultation_id: str
