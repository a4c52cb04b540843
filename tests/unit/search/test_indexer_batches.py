"""The search indexer writes the index once per batch, not once per event.

Why it matters (ADR 0019): the indexer runs inside the read store's write
transaction, and every index write ends with a commit (tantivy: a segment and
an fsync, milliseconds). One write per ballot held the shared write lock for
seconds per batch, so `vote.tallies` and the idempotency answers queued behind
it; after a kill -9 the tallies took many minutes to catch up 14,000 ballots.
"""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from harness.search_events import Log, sample, snapshot

from services.search.indexer import SearchIndexer
from services.search.memory import MemorySearchIndex
from services.search.port import SearchDoc, SearchRequest
from services.store.memory import MemoryReadStore
from services.store.projection import project_batch


class CountingIndex(MemorySearchIndex):
    def __init__(self) -> None:
        super().__init__()
        self.writes = 0

    async def upsert(self, docs: Sequence[tuple[SearchDoc, int]]) -> None:
        self.writes += 1
        await super().upsert(docs)

    async def delete(self, ids: Sequence[tuple[str, int]]) -> None:
        self.writes += 1
        await super().delete(ids)


def ballots(n_voters: int) -> Log:
    log = sample()
    for v in range(n_voters):
        for item in ("p1", "p2", "p4"):
            log.ballot(item, f"w{v}", "support")
    log.decide("p2", "hidden")  # a deletion in the same batch
    return log


async def test_a_batch_of_ballots_is_one_index_write_per_kind_of_write() -> None:
    log = ballots(100)  # 300 ballots
    index = CountingIndex()
    await project_batch(SearchIndexer(index), log.events, MemoryReadStore())
    assert index.writes <= 2, index.writes  # one upsert, one delete (was one per event)


async def test_batched_writes_give_the_index_per_event_writes_give() -> None:
    log = ballots(20)
    one_by_one, batched = MemorySearchIndex(), MemorySearchIndex()
    store = MemoryReadStore()
    projection = SearchIndexer(one_by_one)
    for event in log.events:
        await project_batch(projection, [event], store)
    await project_batch(SearchIndexer(batched), log.events, MemoryReadStore())
    assert await snapshot(batched) == await snapshot(one_by_one)
    p1 = [d for d, _ in (await snapshot(batched))[""] if d.id == "p1"]  # type: ignore[attr-defined]
    assert p1[0].votes == 1 + 20  # sample's own support left + 20 new ones


async def test_a_batch_that_failed_leaves_nothing_for_the_next_one() -> None:
    log = ballots(5)
    index = CountingIndex()
    projection = SearchIndexer(index)
    store = MemoryReadStore()
    with pytest.raises(RuntimeError):
        async with store.transaction() as tx:  # a batch that dies before end_batch
            for event in log.events[:10]:
                await projection.apply(event, tx)
            raise RuntimeError("the store went away")
    assert index.writes == 0
    await project_batch(projection, log.events[10:11], store)
    reference = MemorySearchIndex()
    await project_batch(SearchIndexer(reference), log.events[10:11], MemoryReadStore())
    assert await snapshot(index) == await snapshot(reference)


async def test_ballots_that_move_no_count_are_passed_over_with_the_same_index() -> None:
    """A first "disagree", an "agree" turned "support": the indexer skips them before
    applying or guarding them (ADR 0087), and the index is the one applying every
    event gives."""
    log = sample()
    log.ballot("p1", "x1", "disagree")  # moves nothing
    log.ballot("p1", "x2", "agree")  # +1
    log.ballot("p1", "x2", "support", previous="agree")  # moves nothing
    log.ballot("p2", "x3", "disagree", previous="support")  # -1
    skipping, every_event = MemorySearchIndex(), MemorySearchIndex()
    store = MemoryReadStore()
    await project_batch(SearchIndexer(skipping), log.events, store)
    projection = SearchIndexer(every_event)
    projection.begin_batch()
    other = MemoryReadStore()
    async with other.transaction() as tx:
        for event in log.events:
            await projection.apply(event, tx)
        await projection.end_batch(tx)
    assert await snapshot(skipping) == await snapshot(every_event)
    assert await store.applied_version("search.indexer", "ballot-p1-x1") == 0  # passed over
    assert await store.applied_version("search.indexer", "ballot-p1-x2") == 1
    assert await store.applied_version("search.indexer", "ballot-p2-x3") == 1
    votes = {h.doc.id: h.doc.votes for h in (await skipping.search(
        SearchRequest(page_size=100))).hits}
    assert votes["p1"] == 1 + 1 and votes["p2"] == 1 - 1  # the sample left 1 and 1


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def votes_in(snap: dict[str, object]) -> dict[str, int]:
    return {d.id: d.votes for d, _ in snap[""]}  # type: ignore[attr-defined]


async def test_under_a_flood_of_ballots_the_counts_wait_at_most_votes_every() -> None:
    """ADR 0108: a heavy batch whose items changed only their vote count, soon
    after the counts were last written, writes their states but not their
    documents; the worker's empty batch once VOTES_EVERY has passed writes them,
    and the index is then the one writing every count at once gives."""
    from services.search.indexer import HEAVY_BATCH, VOTES_EVERY

    log = sample()
    first = len(log.events)
    for v in range(HEAVY_BATCH):
        log.ballot("p1", f"w{v}", "support")
    clock, index, store = Clock(), CountingIndex(), MemoryReadStore()
    projection = SearchIndexer(index, timer=clock)
    await project_batch(projection, log.events[:first], store)  # the counts written now
    writes = index.writes
    await project_batch(projection, log.events[first:], store)  # heavy, 0 s later: held
    assert index.writes == writes
    assert votes_in(await snapshot(index))["p1"] == 1
    state = await store.get("search_state", "all", "p1")
    assert state is not None and state["votes"] == 1 + HEAVY_BATCH  # the count is stored
    assert not projection.flush_due()
    clock.now += VOTES_EVERY
    assert projection.flush_due()
    await project_batch(projection, [], store)  # the worker's idle turn
    assert not projection.flush_due()
    reference = MemorySearchIndex()
    await project_batch(SearchIndexer(reference), log.events, MemoryReadStore())
    assert await snapshot(index) == await snapshot(reference)
    assert votes_in(await snapshot(index))["p1"] == 1 + HEAVY_BATCH
    assert await store.get("search_votes_held", "all", "ids") is None


async def test_counts_held_when_the_process_stopped_are_written_by_the_next_one() -> None:
    """The held items are kept in the store with the states: a new indexer (a
    restart) looks at its first idle turn and writes them; another change of a
    held item writes its document at once."""
    from services.search.indexer import HEAVY_BATCH

    log = sample()
    first = len(log.events)
    for v in range(HEAVY_BATCH):
        log.ballot("p1" if v % 2 else "p4", f"w{v}", "support")
    log.decide("p4", "approved")  # another change of a voted item
    clock, index, store = Clock(), MemorySearchIndex(), MemoryReadStore()
    projection = SearchIndexer(index, timer=clock)
    await project_batch(projection, log.events[:first], store)
    await project_batch(projection, log.events[first:], store)
    counts = votes_in(await snapshot(index))
    assert counts["p1"] == 1  # held
    assert counts["p4"] == HEAVY_BATCH // 2  # decided in the same batch: written at once
    assert (await store.get("search_votes_held", "all", "ids")) == {"ids": ["p1"]}
    restarted = SearchIndexer(index, timer=Clock())
    assert restarted.flush_due()
    await project_batch(restarted, [], store)
    reference = MemorySearchIndex()
    await project_batch(SearchIndexer(reference), log.events, MemoryReadStore())
    assert await snapshot(index) == await snapshot(reference)
    assert not restarted.flush_due()
