"""The read models' items (`StorePublishedItems`) on a SQLite store: an item and its
consultation in one statement once the process has seen the item (ADR 0097), the
remembered consultation only a hint, checked against the item read with it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from services.consultation import queries as consultations
from services.store.sqlite import SqliteReadStore
from services.vote import items
from services.vote.items import HIDDEN, PUBLISHED, StorePublishedItems


@pytest.fixture
async def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[SqliteReadStore]:
    monkeypatch.setattr(items, "_CONSULTATION_OF", {})
    store = SqliteReadStore(tmp_path / "read.db")
    await store.start()
    async with store.transaction() as tx:
        for item, cid in (("item-a", "c-1"), ("item-b", "c-2")):
            await tx.put("deposit_contributions", "all", item, {
                "kind": "proposal", "consultation_id": cid, "author_id": "author-1",
                "submitted_at": "2026-11-20T10:00:00Z", "phase_id": "depot"})
        await tx.put("public_state", "all", "item-a", {"kind": "proposal",
                                                       "moderation": "post"})
        for cid in ("c-1", "c-2"):
            await tx.put(*consultations.consultation_where(cid), {"id": cid})
    yield store
    await store.close()


async def reads(store: SqliteReadStore, item_id: str) -> tuple[int, object, object]:
    before = store.queries
    item, consultation = await StorePublishedItems(store).with_consultation(item_id)
    return store.queries - before, item, consultation


async def test_an_item_and_its_consultation_in_one_read_once_seen(
        store: SqliteReadStore) -> None:
    first = await reads(store, "item-a")
    again = await reads(store, "item-a")
    assert (first[0], again[0]) == (2, 1)
    assert first[1:] == again[1:]
    item, consultation = again[1], again[2]
    assert getattr(item, "status", None) == PUBLISHED and consultation == {"id": "c-1"}
    assert await StorePublishedItems(store).get("item-a") == item
    hidden = await reads(store, "item-b")  # no moderation state yet: hidden
    assert getattr(hidden[1], "status", None) == HIDDEN and hidden[2] == {"id": "c-2"}


async def test_a_wrong_hint_costs_a_read_never_a_wrong_consultation(
        store: SqliteReadStore) -> None:
    items._CONSULTATION_OF["item-a"] = "c-2"
    count, _, consultation = await reads(store, "item-a")
    assert (count, consultation) == (2, {"id": "c-1"})
    assert items._CONSULTATION_OF["item-a"] == "c-1"
    assert await reads(store, "item-unknown") == (1, None, None)
