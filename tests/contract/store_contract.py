"""The read-store contract (services/store/port.py), run against every adapter.

Subclass `ReadStoreContract` once per adapter in `test_store_<adapter>.py` and
implement `make_store()`. Tests use tables and partitions of their own so one
server may serve a whole session.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest

from services.core.envelope import Actor, Envelope
from services.store.port import ReadStore, StoreTx
from services.store.projection import Projection, project_batch


def new_name(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:12]}"


class Boom(Exception):
    pass


async def put_all(store: ReadStore, table: str, part: str, keys: list[str]) -> None:
    async with store.transaction() as tx:
        for k in keys:
            await tx.put(table, part, k, {"key": k, "n": len(k)})


class ReadStoreContract(ABC):
    @abstractmethod
    async def make_store(self) -> ReadStore:
        """A store ready to start; the suite starts and closes it."""

    @pytest.fixture
    async def store(self) -> AsyncIterator[ReadStore]:
        store = await self.make_store()
        await store.start()
        try:
            yield store
        finally:
            await store.close()

    @pytest.fixture
    def table(self) -> str:
        return new_name("t")

    # -- documents -------------------------------------------------------------
    async def test_a_committed_document_reads_back(self, store: ReadStore, table: str) -> None:
        doc = {"titre": "Été à Zürich", "votes": 3, "tags": ["a", "b"], "nested": {"x": None}}
        async with store.transaction() as tx:
            await tx.put(table, "p", "k1", doc)
        assert await store.get(table, "p", "k1") == doc
        assert await store.get(table, "p", "absent") is None
        assert await store.get(table, "other-partition", "k1") is None
        assert await store.get(new_name("t"), "p", "k1") is None

    async def test_a_prefetched_transaction_reads_what_it_would_have_read(
            self, store: ReadStore, table: str) -> None:
        """`prefetch` is a hint (ADR 0120): the documents stored, those absent, and
        those this transaction already wrote read as without it."""
        async with store.transaction() as tx:
            await tx.put(table, "p", "stored", {"v": 1})
            await tx.put(table, "q", "elsewhere", {"v": 2})
        async with store.transaction() as tx:
            await tx.put(table, "p", "written", {"v": 3})
            await tx.prefetch([(table, "p", "stored"), (table, "p", "absent"),
                               (table, "p", "written"), (table, "q", "elsewhere"),
                               (table, "p", "stored")])
            assert await tx.get(table, "p", "stored") == {"v": 1}
            assert await tx.get(table, "p", "absent") is None
            assert await tx.get(table, "p", "written") == {"v": 3}
            assert await tx.get(table, "q", "elsewhere") == {"v": 2}
            await tx.put(table, "p", "absent", {"v": 4})
            assert await tx.get(table, "p", "absent") == {"v": 4}
            doc = await tx.get(table, "p", "stored")
            assert doc is not None
            doc["v"] = 99  # a copy, as any read
            assert await tx.get(table, "p", "stored") == {"v": 1}
        assert await store.get(table, "p", "absent") == {"v": 4}

    async def test_documents_read_are_copies(self, store: ReadStore, table: str) -> None:
        async with store.transaction() as tx:
            await tx.put(table, "p", "k", {"items": [1]})
        doc = await store.get(table, "p", "k")
        assert doc is not None
        doc["items"].append(2)
        assert await store.get(table, "p", "k") == {"items": [1]}

    async def test_put_replaces_and_delete_removes(self, store: ReadStore, table: str) -> None:
        async with store.transaction() as tx:
            await tx.put(table, "p", "k", {"v": 1})
        async with store.transaction() as tx:
            await tx.put(table, "p", "k", {"v": 2})
        assert await store.get(table, "p", "k") == {"v": 2}
        async with store.transaction() as tx:
            await tx.delete(table, "p", "k")
            await tx.delete(table, "p", "never-there")
        assert await store.get(table, "p", "k") is None

    async def test_get_many_is_one_query(self, store: ReadStore, table: str) -> None:
        await put_all(store, table, "p", ["a", "b", "c"])
        before = store.queries  # type: ignore[attr-defined]
        found = await store.get_many(table, "p", ["c", "a", "zz"])
        assert store.queries - before == 1  # type: ignore[attr-defined]
        assert found == {"a": {"key": "a", "n": 1}, "c": {"key": "c", "n": 1}}
        assert await store.get_many(table, "p", []) == {}

    async def test_get_each_reads_documents_of_several_tables(
            self, store: ReadStore, table: str) -> None:
        """ADR 0097: an item's deposit, its moderation state and its consultation,
        read together, in the order asked."""
        other = new_name("t")
        await put_all(store, table, "p", ["a"])
        await put_all(store, other, "p", ["a", "bb"])
        await put_all(store, other, "q", ["c"])
        assert await store.get_each([(table, "p", "a"), (other, "p", "a")]) == [
            {"key": "a", "n": 1}, {"key": "a", "n": 1}]
        assert await store.get_each([(other, "p", "bb"), (table, "p", "bb"),
                                     (other, "q", "c"), (other, "p", "bb")]) == [
            {"key": "bb", "n": 2}, None, {"key": "c", "n": 1}, {"key": "bb", "n": 2}]
        assert await store.get_each([(table, "elsewhere", "a")]) == [None]
        assert await store.get_each([]) == []

    # -- listing -------------------------------------------------------------
    async def test_list_is_in_key_order(self, store: ReadStore, table: str) -> None:
        keys = ["0003", "0001", "0010", "0002", "é", "z", "Z"]
        await put_all(store, table, "p", keys)
        await put_all(store, table, "elsewhere", ["0000"])
        listed = await store.list(table, "p", limit=100)
        assert [k for k, _ in listed] == sorted(keys)
        assert listed[0][1] == {"key": "0001", "n": 4}
        backwards = await store.list(table, "p", limit=100, reverse=True)
        assert [k for k, _ in backwards] == sorted(keys, reverse=True)

    async def test_keyset_pages_cover_everything_once(self, store: ReadStore, table: str) -> None:
        keys = [f"{i:04d}" for i in range(23)]
        await put_all(store, table, "p", keys)
        for reverse in (False, True):
            seen: list[str] = []
            after: str | None = None
            while page := await store.list(table, "p", limit=5, after=after, reverse=reverse):
                assert len(page) <= 5
                seen += [k for k, _ in page]
                after = page[-1][0]
            assert seen == sorted(keys, reverse=reverse)

    async def test_key_at_is_where_a_numbered_page_starts(self, store: ReadStore,
                                                          table: str) -> None:
        keys = [f"{i:04d}" for i in range(23)]
        await put_all(store, table, "p", keys)
        await put_all(store, table, "elsewhere", ["0000", "0001"])
        for reverse in (False, True):
            ordered = sorted(keys, reverse=reverse)
            assert [await store.key_at(table, "p", i, reverse=reverse)
                    for i in range(23)] == ordered
            assert await store.key_at(table, "p", 23, reverse=reverse) is None
            after = await store.key_at(table, "p", 9, reverse=reverse)  # page 3 of 5
            page = await store.list(table, "p", limit=5, after=after, reverse=reverse)
            assert [k for k, _ in page] == ordered[10:15]
        assert await store.key_at(table, "nowhere", 0) is None

    async def test_count_counts_a_partition(self, store: ReadStore, table: str) -> None:
        await put_all(store, table, "p", ["a", "b", "c"])
        await put_all(store, table, "q", ["a"])
        assert await store.count(table, "p") == 3
        assert await store.count(table, "q") == 1
        assert await store.count(table, "empty") == 0

    async def test_scan_yields_every_document_of_a_table(
        self, store: ReadStore, table: str
    ) -> None:
        await put_all(store, table, "p2", ["b", "a"])
        await put_all(store, table, "p1", ["c"])
        await put_all(store, new_name("t"), "p1", ["x"])
        rows = [row async for row in store.scan(table)]
        assert sorted((p, k) for p, k, _ in rows) == [("p1", "c"), ("p2", "a"), ("p2", "b")]
        assert dict(((p, k), d) for p, k, d in rows)[("p1", "c")] == {"key": "c", "n": 1}

    # -- transactions ----------------------------------------------------------
    async def test_a_transaction_that_raises_leaves_nothing(
        self, store: ReadStore, table: str
    ) -> None:
        await put_all(store, table, "p", ["kept"])
        with pytest.raises(Boom):
            async with store.transaction() as tx:
                await tx.put(table, "p", "new", {"v": 1})
                await tx.put(table, "p", "kept", {"v": "changed"})
                await tx.delete(table, "p", "kept")
                await tx.set_applied_version("proj", "s-1", 7)
                raise Boom
        assert await store.get(table, "p", "new") is None
        assert await store.get(table, "p", "kept") == {"key": "kept", "n": 4}
        async with store.transaction() as tx:
            assert await tx.applied_version("proj", "s-1") == 0

    async def test_writes_are_invisible_until_the_transaction_ends(
        self, store: ReadStore, table: str
    ) -> None:
        async with store.transaction() as tx:
            await tx.put(table, "p", "k", {"v": 1})
            assert await tx.get(table, "p", "k") == {"v": 1}  # the tx sees its writes
            assert await store.get(table, "p", "k") is None  # readers do not yet
            await tx.delete(table, "p", "k")
            assert await tx.get(table, "p", "k") is None
            await tx.put(table, "p", "k", {"v": 2})
        assert await store.get(table, "p", "k") == {"v": 2}

    async def test_concurrent_transactions_lose_no_update(
        self, store: ReadStore, table: str
    ) -> None:
        async def increment() -> None:
            async with store.transaction() as tx:
                doc = await tx.get(table, "p", "counter") or {"n": 0}
                await asyncio.sleep(0)  # give the others a chance to interleave
                await tx.put(table, "p", "counter", {"n": doc["n"] + 1})

        await asyncio.gather(*(increment() for _ in range(25)))
        assert await store.get(table, "p", "counter") == {"n": 25}

    # -- guards and projections --------------------------------------------------
    async def test_guards_are_per_projection_and_stream(self, store: ReadStore) -> None:
        proj, other = new_name("proj"), new_name("proj")
        async with store.transaction() as tx:
            assert await tx.applied_version(proj, "s-1") == 0
            await tx.set_applied_version(proj, "s-1", 3)
            assert await tx.applied_version(proj, "s-1") == 3
            await tx.set_applied_version(other, "s-1", 9)
        async with store.transaction() as tx:
            assert await tx.applied_version(proj, "s-1") == 3
            assert await tx.applied_version(proj, "s-2") == 0
            assert await tx.applied_version(other, "s-1") == 9
            await tx.set_applied_version(proj, "s-1", 4)
        async with store.transaction() as tx:
            assert await tx.applied_version(proj, "s-1") == 4

    async def test_a_committed_guard_is_read_outside_a_transaction(self, store: ReadStore) -> None:
        """What read-your-writes waits on: only what a transaction committed."""
        proj = new_name("proj")
        assert await store.applied_version(proj, "s-1") == 0
        async with store.transaction() as tx:
            await tx.set_applied_version(proj, "s-1", 5)
        assert await store.applied_version(proj, "s-1") == 5
        with contextlib.suppress(RuntimeError):
            async with store.transaction() as tx:
                await tx.set_applied_version(proj, "s-1", 6)
                raise RuntimeError("rolled back")
        assert await store.applied_version(proj, "s-1") == 5

    async def test_guards_read_and_written_many_at_once(self, store: ReadStore) -> None:
        proj, other = new_name("proj"), new_name("proj")
        async with store.transaction() as tx:
            await tx.set_applied_version(proj, "s-1", 2)
            await tx.set_applied_versions(other, {"s-2": 8})
        async with store.transaction() as tx:
            assert await tx.applied_versions(proj, ["s-1", "s-2", "s-1"]) == {"s-1": 2, "s-2": 0}
            await tx.set_applied_versions(proj, {"s-1": 5, "s-3": 1})
            assert await tx.applied_versions(proj, ["s-3", "s-1"]) == {"s-3": 1, "s-1": 5}
            assert await tx.applied_version(proj, "s-1") == 5
        with pytest.raises(RuntimeError):
            async with store.transaction() as tx:
                await tx.set_applied_versions(proj, {"s-1": 9, "s-4": 1})
                raise RuntimeError("rolled back")
        async with store.transaction() as tx:
            assert await tx.applied_versions(proj, ["s-1", "s-4"]) == {"s-1": 5, "s-4": 0}
            assert await tx.applied_versions(other, ["s-2"]) == {"s-2": 8}
            assert await tx.applied_versions(proj, []) == {}

    async def test_drop_projection_forgets_its_tables_and_guards_only(
        self, store: ReadStore
    ) -> None:
        proj, other = new_name("proj"), new_name("proj")
        mine, theirs = new_name("t"), new_name("t")
        await put_all(store, mine, "p", ["a", "b"])
        await put_all(store, theirs, "p", ["a"])
        async with store.transaction() as tx:
            await tx.set_applied_version(proj, "s", 5)
            await tx.set_applied_version(other, "s", 6)
        await store.drop_projection(proj, [mine])
        assert await store.count(mine, "p") == 0
        assert await store.count(theirs, "p") == 1
        async with store.transaction() as tx:
            assert await tx.applied_version(proj, "s") == 0
            assert await tx.applied_version(other, "s") == 6

    async def test_a_projection_applies_a_redelivered_event_once(
        self, store: ReadStore, table: str
    ) -> None:
        class Counting(Projection):
            name = new_name("counting")
            topics = ("consultation.events",)
            tables = (table,)

            async def apply(self, event: Envelope, tx: StoreTx) -> None:
                doc = await tx.get(table, "all", "count") or {"n": 0}
                await tx.put(table, "all", "count", {"n": doc["n"] + 1})

        events = [_event("s-1", v) for v in (1, 2, 3)]
        projection = Counting()
        assert await project_batch(projection, events[:2], store) == 2
        assert await project_batch(projection, events, store) == 1  # 1 and 2 redelivered
        assert await store.get(table, "all", "count") == {"n": 3}

    async def test_ping_answers(self, store: ReadStore) -> None:
        await store.ping()

    # -- changes (the public page cache's key, ADR 0071) --------------------------
    async def test_changes_move_with_every_commit_and_not_otherwise(
            self, store: ReadStore, table: str) -> None:
        before = store.changes()
        if before is None:
            pytest.skip("this adapter cannot tell its changes cheaply: pages live their TTL")
        await store.get(table, "p", "k")
        assert store.changes() == before  # a read is no change
        await put_all(store, table, "p", ["k"])
        after = store.changes()
        assert after is not None and after != before
        await put_all(store, table, "p", ["k2"])
        assert store.changes() != after


def _event(stream: str, version: int) -> Envelope:
    return Envelope(
        type="consultation.ConsultationCreated", schema_version=1, stream=stream,
        stream_version=version,
        data={"consultation_id": stream, "title": "Titre", "slug": "titre", "summary": ""},
        actor=Actor.system(), occurred_at=datetime(2026, 11, 28, tzinfo=UTC),
        correlation_id="c",
    )

