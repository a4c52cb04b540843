"""A consultation's published items shared by the vote pages of a process
(SharedPublishedItems, ADR 0039), over the memory adapter counting its reads."""

from __future__ import annotations

from services.vote.items import (
    HIDDEN,
    MemoryPublishedItems,
    PublishedItem,
    SharedPublishedItems,
)


class Counted(MemoryPublishedItems):
    def __init__(self) -> None:
        super().__init__()
        self.lists = 0

    async def in_consultation(self, consultation_id: str) -> list[PublishedItem]:
        self.lists += 1
        return await super().in_consultation(consultation_id)


def item(n: int, status: str = "published") -> PublishedItem:
    return PublishedItem(f"i{n}", "c1", f"p{n}", f"2026-12-06T10:00:0{n}Z", status)


async def test_the_list_is_read_once_while_the_store_does_not_move() -> None:
    inner, version = Counted(), [1]
    inner.add(item(1))
    shared = SharedPublishedItems(inner, lambda: version[0])
    for _ in range(5):
        assert [i.item_id for i in await shared.in_consultation("c1")] == ["i1"]
    assert inner.lists == 1


async def test_a_quick_list_is_read_again_once_the_store_moved() -> None:
    inner, version = Counted(), [1]
    inner.add(item(1))
    shared = SharedPublishedItems(inner, lambda: version[0])
    await shared.in_consultation("c1")
    inner.add(item(2))
    version[0] = 2
    assert [i.item_id for i in await shared.in_consultation("c1")] == ["i1", "i2"]
    assert inner.lists == 2


async def test_a_store_that_cannot_tell_is_read_each_time_and_get_is_never_kept() -> None:
    inner = Counted()
    inner.add(item(1))
    shared = SharedPublishedItems(inner, lambda: None)
    await shared.in_consultation("c1")
    await shared.in_consultation("c1")
    assert inner.lists == 2
    assert (await shared.get("i1")) == item(1)
    inner.add(item(1, HIDDEN))  # hidden by moderation: seen at once by a ballot's handler
    got = await shared.get("i1")
    assert got is not None and got.status == HIDDEN
