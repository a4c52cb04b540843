"""The read-store contract on SQLite, plus sharing one file between connections
and processes."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import subprocess
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import pytest
from store_contract import ReadStoreContract

import services.store.sqlite as sqlite_store
from services.core.envelope import Actor, Envelope
from services.store.port import ReadStore, StoreTx, Where
from services.store.projection import Projection, project_batch
from services.store.sqlite import SqliteReadStore


class TestSqliteReadStore(ReadStoreContract):
    @pytest.fixture(autouse=True)
    def _dir(self, tmp_path: Path) -> None:
        self.path = tmp_path / "store.db"

    async def make_store(self) -> ReadStore:
        return SqliteReadStore(self.path)


async def test_get_each_is_one_query(tmp_path: Path) -> None:
    store = SqliteReadStore(tmp_path / "read.db")
    await store.start()
    async with store.transaction() as tx:
        await tx.put("deposit", "all", "item-1", {"kind": "proposal"})
        await tx.put("state", "all", "item-1", {"decision": "approved"})
    before = store.queries
    assert await store.get_each([("state", "all", "item-1"), ("deposit", "all", "item-1"),
                                 ("none", "all", "item-1"), ("deposit", "x", "item-1")]) == [
        {"decision": "approved"}, {"kind": "proposal"}, None, None]
    assert store.queries - before == 1
    await store.close()


async def test_the_wal_is_emptied_once_it_outgrows_its_bound(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A reader still in the WAL at every checkpoint (as under steady load) keeps
    PASSIVE checkpoints from ever finishing, so the WAL never starts over and its
    file only grows; once past WAL_RESTART_BYTES a checkpoint empties it (ADR 0109)."""
    monkeypatch.setattr(sqlite_store, "CHECKPOINT_EVERY", 4)
    bound = 32 * sqlite_store.PAGE_SIZE
    monkeypatch.setattr(sqlite_store, "WAL_RESTART_BYTES", bound)
    monkeypatch.setattr(sqlite_store, "RESTART_WAIT_MS", 20)
    path = tmp_path / "read.db"
    wal = tmp_path / "read.db-wal"
    store = SqliteReadStore(path)
    await store.start()
    reader = sqlite3.connect(path, isolation_level=None)  # keeps the WAL file open

    async def write(n: int, first: int) -> None:
        for k in range(first, first + n):
            async with store.transaction() as tx:
                await tx.put("t", "p", f"k{k:04d}", {"text": "x" * 3000})

    try:
        reader.execute("BEGIN")
        reader.execute("SELECT count(*) FROM docs").fetchone()  # a snapshot held
        await write(40, 0)
        assert wal.stat().st_size > bound  # nothing could be copied past the reader
        reader.execute("COMMIT")
        await write(4, 40)  # the next checkpoint
        deadline = time.monotonic() + 5
        while wal.stat().st_size > bound and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
        assert wal.stat().st_size <= bound
        assert await store.get("t", "p", "k0043") == {"text": "x" * 3000}
    finally:
        reader.close()
        await store.close()


async def test_a_new_file_has_large_pages_and_an_old_one_keeps_its_own(tmp_path: Path) -> None:
    """Documents of 1-3 KB fit in a 16 KiB page's tree cells, not in a 4 KiB one's
    (ADR 0119); a file made before keeps its pages, and still works."""
    old = tmp_path / "old.db"
    with contextlib.closing(sqlite3.connect(old)) as conn:
        conn.execute("PRAGMA page_size = 4096")
        conn.execute("CREATE TABLE before_the_change (x)")
    for path, size in ((tmp_path / "new.db", sqlite_store.PAGE_SIZE), (old, 4096)):
        store = SqliteReadStore(path)
        await store.start()
        async with store.transaction() as tx:
            await tx.put("t", "p", "k", {"text": "x" * 3000})
        await store.close()
        with contextlib.closing(sqlite3.connect(path)) as conn:
            assert conn.execute("PRAGMA page_size").fetchone()[0] == size
            # the row in its cell, no overflow page, where pages are large
            overflow = conn.execute("SELECT count(*) FROM dbstat WHERE name = 'docs'"
                                    " AND pagetype = 'overflow'").fetchone()[0]
            assert (overflow == 0) == (size == sqlite_store.PAGE_SIZE)


async def test_a_prefetch_reads_a_partitions_documents_in_one_query(tmp_path: Path) -> None:
    """One query per table and partition for what a batch is about to read, where
    each `get` was one; then the gets are answered from the transaction (ADR 0120)."""
    store = SqliteReadStore(tmp_path / "read.db")
    await store.start()
    async with store.transaction() as tx:
        for n in range(0, 40, 2):
            await tx.put("t", "p", f"k{n:02d}", {"n": n})
    try:
        async with store.transaction() as tx:
            assert isinstance(tx, sqlite_store._SqliteTx)
            statements: list[str] = []
            tx.conn.set_trace_callback(statements.append)
            await tx.prefetch([("t", "p", f"k{n:02d}") for n in range(40)])
            found = [await tx.get("t", "p", f"k{n:02d}") for n in range(40)]
            tx.conn.set_trace_callback(None)
        assert found == [{"n": n} if n % 2 == 0 else None for n in range(40)]
        assert len([s for s in statements if s.startswith("SELECT")]) == 1
    finally:
        await store.close()


async def test_a_batch_reads_the_documents_its_projection_lists_in_one_query(
        tmp_path: Path) -> None:
    """`project_batch` hands the projection's `reads` to the transaction first: a
    batch of 30 events on new streams reads `docs` once, not once an event."""

    class Listing(Projection):
        name = "test.listing"
        topics = ("consultation.events",)
        tables = ("listed",)

        def reads(self, events: Sequence[Envelope]) -> list[Where]:
            return [("listed", "all", e.stream) for e in events]

        async def apply(self, event: Envelope, tx: StoreTx) -> None:
            seen = await tx.get("listed", "all", event.stream) or {"n": 0}
            await tx.put("listed", "all", event.stream, {"n": seen["n"] + 1})

    store = SqliteReadStore(tmp_path / "read.db")
    await store.start()
    events = [Envelope(type="consultation.ConsultationCreated", schema_version=1,
                       stream=f"s-{n:02d}", stream_version=1, data={}, actor=Actor.system(),
                       occurred_at=datetime(2026, 12, 6, tzinfo=UTC), correlation_id="c")
              for n in range(30)]
    statements: list[str] = []
    try:
        assert store._writer is not None
        store._writer.set_trace_callback(statements.append)
        assert await project_batch(Listing(), events, store) == 30
        store._writer.set_trace_callback(None)
        assert len([s for s in statements if s.startswith("SELECT") and "docs" in s]) == 1
        assert await store.get("listed", "all", "s-29") == {"n": 1}
    finally:
        await store.close()


async def test_documents_survive_a_reopen(tmp_path: Path) -> None:
    store = SqliteReadStore(tmp_path / "store.db")
    await store.start()
    async with store.transaction() as tx:
        await tx.put("t", "p", "k", {"v": "é"})
        await tx.set_applied_version("proj", "s", 2)
    await store.close()
    again = SqliteReadStore(tmp_path / "store.db")
    await again.start()
    try:
        assert await again.get("t", "p", "k") == {"v": "é"}
        async with again.transaction() as tx:
            assert await tx.applied_version("proj", "s") == 2
    finally:
        await again.close()


async def test_two_stores_on_one_file_serialise_their_transactions(tmp_path: Path) -> None:
    first, second = SqliteReadStore(tmp_path / "s.db"), SqliteReadStore(tmp_path / "s.db")
    await first.start()
    await second.start()

    async def increment(store: SqliteReadStore) -> None:
        async with store.transaction() as tx:
            doc = await tx.get("t", "p", "n") or {"n": 0}
            await asyncio.sleep(0)
            await tx.put("t", "p", "n", {"n": doc["n"] + 1})

    try:
        await asyncio.gather(*(increment(s) for s in [first, second] * 20))
        assert await first.get("t", "p", "n") == {"n": 40}
        assert await second.get("t", "p", "n") == {"n": 40}
    finally:
        await first.close()
        await second.close()


_OTHER_PROCESS = """
import asyncio, sys
from services.store.sqlite import SqliteReadStore

async def main():
    store = SqliteReadStore(sys.argv[1])
    await store.start()
    for i in range(200):
        async with store.transaction() as tx:
            doc = await tx.get("t", "p", "n") or {"n": 0}
            await tx.put("t", "p", "n", {"n": doc["n"] + 1})
    await store.close()

asyncio.run(main())
"""


async def test_two_processes_share_one_file(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    store = SqliteReadStore(path)
    await store.start()
    proc = subprocess.Popen([sys.executable, "-c", _OTHER_PROCESS, str(path)])
    try:
        for _ in range(200):
            async with store.transaction() as tx:
                doc = await tx.get("t", "p", "n") or {"n": 0}
                await tx.put("t", "p", "n", {"n": doc["n"] + 1})
        assert await asyncio.to_thread(proc.wait, 60) == 0
        assert await store.get("t", "p", "n") == {"n": 400}
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
        await store.close()


async def test_a_cancelled_transaction_leaves_nothing(tmp_path: Path) -> None:
    store = SqliteReadStore(tmp_path / "s.db")
    await store.start()
    try:
        started = asyncio.Event()

        async def slow() -> None:
            async with store.transaction() as tx:
                await tx.put("t", "p", "k", {"v": 1})
                started.set()
                await asyncio.sleep(10)

        task = asyncio.create_task(slow())
        await started.wait()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert await store.get("t", "p", "k") is None
        async with store.transaction() as tx:  # the connection is usable again
            await tx.put("t", "p", "k", {"v": 2})
        assert await store.get("t", "p", "k") == {"v": 2}
    finally:
        await store.close()


async def test_a_transaction_reads_a_document_once_and_writes_its_last_state(
        tmp_path: Path) -> None:
    store = SqliteReadStore(tmp_path / "store.db")
    await store.start()
    statements: list[str] = []
    try:
        async with store.transaction() as tx:
            await tx.put("t", "p", "gone", {"n": 0})
        assert store._writer is not None
        store._writer.set_trace_callback(statements.append)
        async with store.transaction() as tx:
            for _ in range(10):  # a batch moving one counter per event
                doc = await tx.get("t", "p", "counter") or {"n": 0}
                doc["n"] += 1
                await tx.put("t", "p", "counter", doc)
            mine = await tx.get("t", "p", "counter")
            assert mine == {"n": 10}
            mine["n"] = 99  # the caller's dict, not the transaction's
            assert await tx.get("t", "p", "counter") == {"n": 10}
            await tx.delete("t", "p", "gone")
            assert await tx.get("t", "p", "gone") is None
        store._writer.set_trace_callback(None)
        assert await store.get("t", "p", "counter") == {"n": 10}
        assert await store.get("t", "p", "gone") is None
        reads = [s for s in statements if s.startswith("SELECT doc")]
        writes = [s for s in statements if s.startswith(("INSERT", "DELETE"))]
        assert len(reads) == 1 and len(writes) == 2, statements
    finally:
        await store.close()


async def test_absorb_copies_another_files_documents_and_guards_at_once(tmp_path: Path) -> None:
    main, side = SqliteReadStore(tmp_path / "read.db"), SqliteReadStore(tmp_path / "side.db")
    await main.start()
    await side.start()
    async with main.transaction() as tx:
        await tx.put("mine", "p", "k", {"here": True})
        await tx.set_applied_versions("mine.projection", {"s-1": 3})
    async with side.transaction() as tx:
        for n in range(3):
            await tx.put("theirs", "p", f"k{n}", {"n": n})
        await tx.set_applied_versions("their.projection", {"s-2": 7})
    await side.close()

    assert await main.absorb(tmp_path / "side.db") == 3

    assert await main.list("theirs", "p") == [(f"k{n}", {"n": n}) for n in range(3)]
    assert await main.get("mine", "p", "k") == {"here": True}
    assert await main.applied_version("their.projection", "s-2") == 7
    assert await main.applied_version("mine.projection", "s-1") == 3
    # a document already here: nothing of the file is copied, nothing overwritten
    with pytest.raises(sqlite3.IntegrityError):
        await main.absorb(tmp_path / "side.db")
    assert len(await main.list("theirs", "p")) == 3
    async with main.transaction() as tx:  # the store still writes
        await tx.put("mine", "p", "k2", {})
    await main.close()
