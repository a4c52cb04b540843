"""The items one votes on, as the vote service needs to know them: published
proposals and arguments of the deposit service, shown by moderation.

A small port, so the vote service depends on what it needs (is the item shown,
who wrote it, in which consultation and phase, when) and not on the deposit/moderation
read models' layout: `StorePublishedItems` is the only place that knows them.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass

from services.consultation import queries as consultations
from services.core.shared_computation import Policy, SharedComputations
from services.store.port import Doc, ReadStore

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

# An item's consultation, which never changes once it is submitted: which
# consultation document to read in the same statement as the item's (ADR 0097).
# A hint only: used when the item's document read with it names the same
# consultation, so a wrong or missing one costs a second read, never a wrong answer.
_CONSULTATION_OF: dict[str, str] = {}
_HINTS = 65_536  # items remembered per process before starting afresh


class StorePublishedItems(PublishedItems):
    def __init__(self, store: ReadStore) -> None:
        self.store = store

    async def get(self, item_id: str) -> PublishedItem | None:
        # Both read models in one round trip (ADR 0097).
        doc, state = await self.store.get_each(_item_wheres(item_id))
        return _item(item_id, doc, state)

    async def with_consultation(self, item_id: str) -> tuple[PublishedItem | None, Doc | None]:
        """The item and its consultation's detail (`consultations.consultation`),
        in one round trip once this process has seen the item: what a ballot reads
        every time."""
        hint = _CONSULTATION_OF.get(item_id)
        wheres = _item_wheres(item_id)
        if hint is not None:
            wheres.append(consultations.consultation_where(hint))
        docs = await self.store.get_each(wheres)
        item = _item(item_id, docs[0], docs[1])
        if item is None:
            return None, None
        if item.consultation_id == hint:
            return item, docs[2]
        if len(_CONSULTATION_OF) >= _HINTS:
            _CONSULTATION_OF.clear()
        _CONSULTATION_OF[item_id] = item.consultation_id
        return item, await consultations.consultation(self.store, item.consultation_id)

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


# A consultation's items read once per change of the store (ADR 0039): under
# 50 ms (a few thousand items) again whenever the store moved, so a small
# consultation is always current; longer at most every 5 s or 4 times its length
# (30,201 items: 0.27 s, every 5 s while ballots keep the store moving).
SHARED_ITEMS = Policy(quick_s=0.05, gap_s=5.0, factor=4.0, entries=8)
SMALL = 2000  # items: a list this short is read again at every change, however long it took


class SharedPublishedItems(PublishedItems):
    """`in_consultation` shared by this process's requests (ADR 0039): every
    participant's vote page reads the consultation's whole list of published
    items, one document each (0.27 s at 30,201 items, O(items) for each page).
    For a large consultation an item published, hidden or withdrawn in the last
    seconds may be missing from, or still in, the list (a ballot on a hidden
    item is refused by its handler, which reads `get`, as it is). The list
    returned is shared: read it, do not change it."""

    def __init__(self, inner: PublishedItems, changes: Callable[[], int | None]) -> None:
        async def marker(_: str) -> int | None:
            return changes()

        self._inner = inner
        self._lists = SharedComputations("published items", inner.in_consultation,
                                         marker, SHARED_ITEMS, small=lambda v: len(v) < SMALL)

    async def get(self, item_id: str) -> PublishedItem | None:
        return await self._inner.get(item_id)

    async def in_consultation(self, consultation_id: str) -> list[PublishedItem]:
        return await self._lists.value(consultation_id)


def _item_wheres(item_id: str) -> list[tuple[str, str, str]]:
    return [(_CONTRIBUTIONS, "all", item_id), (_PUBLIC_STATE, "all", item_id)]


def _item(item_id: str, doc: Doc | None, state: Doc | None) -> PublishedItem | None:
    if doc is None or doc.get("kind") not in _VOTABLE_KINDS:
        return None
    state = state or {}
    if doc.get("withdrawn") or state.get("withdrawn"):
        status = WITHDRAWN
    else:
        status = PUBLISHED if _shows(state) else HIDDEN
    return PublishedItem(item_id, doc["consultation_id"], doc["author_id"],
                         doc["submitted_at"], status, doc.get("phase_id", ""))


def _shows(state: dict[str, object]) -> bool:
    """Same rule as moderation.publication.shows (kept here so this adapter
    does not import another service's projection module)."""
    if state.get("kind") is None or state.get("withdrawn"):
        return False
    decision = state.get("decision")
    return decision == "approved" or (state.get("moderation") == "post" and decision is None)
