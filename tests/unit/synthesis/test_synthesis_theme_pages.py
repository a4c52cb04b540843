"""The public theme page's contributions (services/web/synthesis/views.theme_members):
members hidden or withdrawn since the run are skipped and the page is filled from
the rows after them, so only the last page is short."""

from __future__ import annotations

from services.store.memory import MemoryReadStore
from services.synthesis.runs.corpus import CORPUS
from services.synthesis.runs.tables import MEMBERS, member_key, members_partition
from services.web.synthesis.views import theme_members

CID, RUN = "c1", "run-1"
THEME = {"theme_id": "t1", "parts": ["0", "1"]}  # a merged theme: two parts
DAYS = ("2026-01-10", "2026-01-11")


async def store_with(members: int, hidden: set[int]) -> tuple[MemoryReadStore, list[str]]:
    """`members` contributions over two days, spread over both parts; those in
    `hidden` have left the corpus since the run. Returns the visible ids in page order."""
    store = MemoryReadStore()
    keys: list[tuple[str, str]] = []
    async with store.transaction() as tx:
        for n in range(members):
            doc_id, day = f"d{n:03d}", DAYS[n * len(DAYS) // members]
            await tx.put(MEMBERS, members_partition(RUN, str(n % 2)), member_key(day, doc_id),
                         {"id": doc_id, "day": day})
            keys.append((member_key(day, doc_id), doc_id))
            if n not in hidden:
                await tx.put(CORPUS, CID, doc_id, {"id": doc_id, "text": f"texte {n}"})
    return store, [doc_id for _, doc_id in sorted(keys) if int(doc_id[1:]) not in hidden]


async def pages(store: MemoryReadStore, day: str | None = None,
                size: int = 20) -> list[list[str]]:
    out, after = [], None
    while True:
        docs, after = await theme_members(store, CID, RUN, THEME, after=after, day=day,
                                          size=size)
        out.append([d["id"] for d in docs])
        if after is None:
            return out


async def test_hidden_members_do_not_shorten_a_page() -> None:
    store, visible = await store_with(30, hidden={1, 2, 3, 5, 8, 13, 21, 22})
    got = await pages(store)
    assert [len(p) for p in got] == [20, 2]
    assert [d for p in got for d in p] == visible


async def test_a_page_of_one_day_and_a_theme_hidden_almost_whole() -> None:
    store, visible = await store_with(40, hidden=set(range(0, 40, 3)))
    day_one = [d for d in visible if int(d[1:]) < 20]
    assert [d for p in await pages(store, day=DAYS[0], size=5) for d in p] == day_one
    assert all(len(p) == 5 for p in (await pages(store, day=DAYS[0], size=5))[:-1])
    store, _ = await store_with(300, hidden=set(range(299)))  # one left, at the very end
    assert [d for p in await pages(store, size=10) for d in p] == ["d299"]
