"""The items one votes on, as the vote service needs to know them: published
proposals and arguments of the deposit service, shown by moderation.

A small port, so the vote service depends on what it needs (is the item shown,
who wrote it, in which consultation and phase, when) and not on the deposit/moderation
read models' layout: `StorePublishedItems` is the only place that knows them.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass

from services.store.port import ReadStore

# Statuses: "published" (votable), "hidden" (moderated away or pending), "withdrawn".
PUBLISHED, HIDDEN, WITHDRAWN = "published", "hidden", "withdrawn"


@dataclass(frozen=True, slots=True)
class PublishedItem:
    item_id: str
    consultation_id: str
    author_id: str
    created_at: str  # ISO 8601 UTC, sorts chronologically
    status: str = PUBLISHED
    phase_id: str = ""  # the phase it was deposited in ("" before 2026-12-05: see created_at)


class PublishedItems(ABC):
    @abstractmethod
    async def get(self, item_id: str) -> PublishedItem | None:
        """The item in whatever status, or None if nobody ever submitted it."""

    @abstractmethod
    async def in_consultation(self, consultation_id: str) -> list[PublishedItem]:
        """Every published item of a consultation (for the vote sequence)."""


class MemoryPublishedItems(PublishedItems):
    def __init__(self, items: list[PublishedItem] | None = None) -> None:
        self.items: dict[str, PublishedItem] = {i.item_id: i for i in items or []}

    def add(self, item: PublishedItem) -> None:
        self.items[item.item_id] = item

    async def get(self, item_id: str) -> PublishedItem | None:
        return self.items.get(item_id)

    async def in_consultation(self, consultation_id: str) -> list[PublishedItem]:
        return sorted((i for i in self.items.values()
                       if i.consultation_id == consultation_id and i.status == PUBLISHED),
                      key=lambda i: (i.created_at, i.item_id))


# Read models of services.deposit.projections and services.moderation.publication.
_CONTRIBUTIONS = "deposit_contributions"
_PUBLIC_STATE = "public_state"
_PUBLIC_PROPOSALS = "public_proposals"
_VOTABLE_KINDS = ("proposal", "argument")
_PAGE = 500


class StorePublishedItems(PublishedItems):
    def __init__(self, store: ReadStore) -> None:
        self.store = store

    async def get(self, item_id: str) -> PublishedItem | None:
        # Both read models in one round trip (ADR 0097): a ballot reads them every time.
        doc, state = await self.store.get_across((_CONTRIBUTIONS, _PUBLIC_STATE), "all",
                                                 item_id)
        if doc is None or doc.get("kind") not in _VOTABLE_KINDS:
            return None
        state = state or {}
        if doc.get("withdrawn") or state.get("withdrawn"):
            status = WITHDRAWN
        else:
            status = PUBLISHED if _shows(state) else HIDDEN
        return PublishedItem(item_id, doc["consultation_id"], doc["author_id"],
                             doc["submitted_at"], status, doc.get("phase_id", ""))

    async def in_consultation(self, consultation_id: str) -> list[PublishedItem]:
        out: list[PublishedItem] = []
        after: str | None = None
        while True:
            rows = await self.store.list(_PUBLIC_PROPOSALS, consultation_id, limit=_PAGE,
                                         after=after)
            ids = [key for key, _ in rows]
            docs = await self.store.get_many(_CONTRIBUTIONS, "all", ids) if ids else {}
            out += [PublishedItem(i, consultation_id, docs[i]["author_id"],
                                  docs[i]["submitted_at"], phase_id=docs[i].get("phase_id", ""))
                    for i in ids if i in docs]
            if len(rows) < _PAGE:
                return out
            after = rows[-1][0]


def _shows(state: dict[str, object]) -> bool:
    """Same rule as moderation.publication.shows (kept here so this adapter
    does not import another service's projection module)."""
    if state.get("kind") is None or state.get("withdrawn"):
        return False
    decision = state.get("decision")
    return decision == "approved" or (state.get("moderation") == "post" and decision is None)
