"""The Cassandra read store of the distributed topology (ADR 0060).

Documents live in `docs`, partitioned by (logical table, store partition) and
clustered by key, so a page is one slice of one partition. Reads and writes run at
LOCAL_QUORUM through prepared, idempotent statements (services/store/cassandra_cql.py).

Cassandra has no multi-partition transaction, and a logged batch is refused past
a few tens of kilobytes, so a transaction commits through a redo record:

1. writes are buffered in the transaction (it reads its own writes, nobody else
   sees them);
2. at the end, the whole write set goes in one row of `redo`, under each
   projection whose guards it moves (one row: atomic) -- the commit point;
3. the documents are applied (one UNLOGGED batch per partition), then the guards;
4. the redo row is marked applied.

Every write of a transaction carries the same timestamp, so applying a write set
twice writes identical cells. Whoever next reads a projection's guards in a
transaction (the projection's next batch, in this process or in the replica that
took its partitions over) first replays that projection's unapplied redo rows; a
store replays every lane at start. So a crash after step 2 loses nothing and
counts nothing twice; before it, nothing was written. Guards are applied after the
documents: a committed guard (what read-your-writes waits on) means its rows are
there. Readers outside may briefly see part of a transaction that is being
applied: visibility is all-or-nothing per partition, not across partitions.

Transactions of one process are serialised (an asyncio lock, as in SQLite); across
processes the single writer of a stream is its consumer-group owner (ADR 0060).
"""

from __future__ import annotations

import asyncio
import os
import socket
import uuid
from collections.abc import AsyncIterator, Awaitable, Mapping, Sequence
from contextlib import asynccontextmanager
from typing import Any

import orjson

from services.store.cassandra_cql import (
    GUARD_BUCKETS,
    CassandraConfig,
    Cql,
    Item,
    LamportClock,
    bucket,
    list_statement,
)
from services.store.port import Doc, ReadStore, StoreTx

SCAN_PAGE = 500
APPLY_CONCURRENCY = 32  # partition batches in flight at once
NO_PROJECTION = "_"  # the redo lane of a transaction that moves no guard


class WriteSet:
    """What a transaction wrote: documents (None: deleted) and guards."""

    def __init__(self) -> None:
        self.docs: dict[tuple[str, str, str], Doc | None] = {}
        self.guards: dict[tuple[str, str], int] = {}

    def __bool__(self) -> bool:
        return bool(self.docs or self.guards)

    def lanes(self) -> list[str]:
        return sorted({p for p, _ in self.guards}) or [NO_PROJECTION]

    def encode(self) -> bytes:
        return orjson.dumps({"docs": [[*k, d] for k, d in self.docs.items()],
                             "guards": [[*k, v] for k, v in self.guards.items()]})

    @classmethod
    def decode(cls, raw: bytes) -> WriteSet:
        data = orjson.loads(raw)
        ws = cls()
        ws.docs = {(t, p, k): d for t, p, k, d in data["docs"]}
        ws.guards = {(p, s): int(v) for p, s, v in data["guards"]}
        return ws

    def batches(self, ts: int) -> tuple[list[list[Item]], list[list[Item]]]:
        """(document batches, guard batches): one batch per partition, the documents
        to apply before the guards."""
        docs: dict[tuple[str, str], list[Item]] = {}
        parts: dict[str, dict[str, None]] = {}
        for (table, part, key), doc in self.docs.items():
            if doc is None:
                item: Item = ("delete", (ts, table, part, key))
            else:
                item = ("put", (table, part, key, orjson.dumps(doc), ts))
            docs.setdefault((table, part), []).append(item)
            parts.setdefault(table, {})[part] = None
        doc_batches = [*docs.values(), *([("put_part", (t, p, ts)) for p in ps]
                                         for t, ps in parts.items())]
        guards: dict[tuple[str, int], list[Item]] = {}
        for (projection, stream), version in self.guards.items():
            b = bucket(stream)
            guards.setdefault((projection, b), []).append(
                ("guard_put", (projection, b, stream, version, ts)))
        return doc_batches, list(guards.values())


class CassandraReadStore(ReadStore):
    def __init__(self, config: CassandraConfig | None = None, *, cql: Cql | None = None,
                 writer: str | None = None) -> None:
        """`cql`: a session already open (tests pass a fake); else one is opened
        from `config` at start()."""
        self.config = config
        self.queries = 0  # read round trips, for constant-query tests
        self.clock = LamportClock()
        self.writer = writer or f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self._cql = cql
        self._lock = asyncio.Lock()

    async def start(self) -> None:
        if self._cql is None:
            if self.config is None:
                raise ValueError("CassandraReadStore needs a config or a session")
            from services.store.cassandra_cql import DriverCql, connect

            cluster, session = await asyncio.to_thread(connect, self.config)
            try:
                self._cql = await asyncio.to_thread(DriverCql, cluster, session)
            except BaseException:
                await asyncio.to_thread(cluster.shutdown)
                raise
        async with self._lock:  # finish what a crashed writer committed but left unapplied
            for (lane,) in await self.cql.run("redo_lanes", ()):
                await self._replay(lane)

    async def close(self) -> None:
        if self._cql is not None and self.config is not None:
            await asyncio.to_thread(self._cql.close)
            self._cql = None

    @property
    def cql(self) -> Cql:
        if self._cql is None:
            raise RuntimeError("CassandraReadStore used before start() or after close()")
        return self._cql

    async def _read(self, name: str, params: tuple[Any, ...]) -> list[tuple[Any, ...]]:
        self.queries += 1
        return await self.cql.run(name, params)

    async def ping(self) -> None:
        await self.cql.run("ping", ())

    # -- reads ---------------------------------------------------------------
    async def get(self, table: str, partition: str, key: str) -> Doc | None:
        rows = await self._read("get", (table, partition, key))
        return _load(rows[0][0]) if rows else None

    async def get_many(self, table: str, partition: str, keys: Sequence[str]) -> dict[str, Doc]:
        if not keys:
            return {}
        rows = await self._read("get_many", (table, partition, list(dict.fromkeys(keys))))
        return {k: _load(d) for k, d in rows}

    async def list(self, table: str, partition: str, *, limit: int = 50,
                   after: str | None = None, reverse: bool = False) -> list[tuple[str, Doc]]:
        if limit <= 0:  # CQL refuses LIMIT 0
            return []
        rows = await self._read(*list_statement(after, reverse, limit, table, partition))
        return [(k, _load(d)) for k, d in rows]

    async def count(self, table: str, partition: str) -> int:
        rows = await self._read("count", (table, partition))
        return int(rows[0][0]) if rows else 0

    async def applied_version(self, projection: str, stream: str) -> int:
        rows = await self.cql.run("guard_get", (projection, bucket(stream), [stream]))
        return int(rows[0][1]) if rows else 0

    async def _parts(self, table: str) -> AsyncIterator[str]:
        after = ""
        while rows := await self.cql.run("parts", (table, after, SCAN_PAGE)):
            for (part,) in rows:
                yield part
            after = rows[-1][0]

    async def scan(self, table: str) -> AsyncIterator[tuple[str, str, Doc]]:
        async for part in self._parts(table):
            after: str | None = None
            while rows := await self.cql.run(*list_statement(after, False, SCAN_PAGE,
                                                             table, part)):
                for key, doc in rows:
                    yield part, key, _load(doc)
                after = rows[-1][0]

    async def guards(self, projection: str) -> AsyncIterator[tuple[str, int]]:
        for b in range(GUARD_BUCKETS):
            after = ""
            while rows := await self.cql.run("guard_scan", (projection, b, after, SCAN_PAGE)):
                for stream, version in rows:
                    yield stream, int(version)
                after = rows[-1][0]

    # -- writes --------------------------------------------------------------
    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[StoreTx]:
        async with self._lock:
            tx = _CassandraTx(self)
            yield tx
            if tx.writes:
                await _uncancellable(self._commit(tx.writes))

    async def _commit(self, writes: WriteSet) -> None:
        ts, txid = self.clock.next(), uuid.uuid4().hex
        raw = writes.encode()
        await asyncio.gather(*(self.cql.run("redo_put", (lane, self.writer, txid, raw, ts, ts))
                               for lane in writes.lanes()))  # the commit point
        await self._apply(writes, ts)
        await asyncio.gather(*(self.cql.run("redo_done", (ts, txid, lane, self.writer))
                               for lane in writes.lanes()))

    async def _apply(self, writes: WriteSet, ts: int) -> None:
        doc_batches, guard_batches = writes.batches(ts)
        for batches in (doc_batches, guard_batches):  # guards only once the rows are in
            for start in range(0, len(batches), APPLY_CONCURRENCY):
                await asyncio.gather(*(self.cql.batch(b)
                                       for b in batches[start:start + APPLY_CONCURRENCY]))

    async def _replay(self, lane: str) -> None:
        """Apply the redo rows of `lane` that no one marked applied (idempotent: the
        same cells at the same timestamps, whoever replays them and however often)."""
        for writer, txid, applied, raw, ts in await self.cql.run("redo_get", (lane,)):
            self.clock.observe(ts)
            if raw is None or txid == applied:
                continue
            await self._apply(WriteSet.decode(raw), ts)
            await self.cql.run("redo_done", (ts, txid, lane, writer))

    async def drop_projection(self, projection: str, tables: Sequence[str]) -> None:
        async with self._lock:
            ts = self.clock.next()
            for table in tables:
                parts = [p async for p in self._parts(table)]
                for start in range(0, len(parts), APPLY_CONCURRENCY):
                    await asyncio.gather(*(self.cql.run("drop_part", (ts, table, p))
                                           for p in parts[start:start + APPLY_CONCURRENCY]))
                await self.cql.run("drop_parts", (ts, table))
            await asyncio.gather(*(self.cql.run("guard_drop", (ts, projection, b))
                                   for b in range(GUARD_BUCKETS)))
            await self.cql.run("redo_drop", (ts, projection))
            # A partition tombstone's timestamp cannot be read back: this marker, read
            # with the lane by the projection's next writer (whatever its process and
            # its clock), moves that writer's clock past the drop, so a rebuilt row is
            # never shadowed by the tombstone.
            await self.cql.run("redo_put", (projection, "dropped", uuid.uuid4().hex, None,
                                            ts, self.clock.next()))


class _CassandraTx(StoreTx):
    """Buffers writes; reads see them first, then the committed state (LOCAL_QUORUM).
    Every timestamp read moves the store's clock, so the commit outranks it."""

    def __init__(self, store: CassandraReadStore) -> None:
        self._store = store
        self.writes = WriteSet()
        self._replayed: set[str] = set()

    async def get(self, table: str, partition: str, key: str) -> Doc | None:
        k = (table, partition, key)
        if k in self.writes.docs:
            doc = self.writes.docs[k]
            return None if doc is None else orjson.loads(orjson.dumps(doc))
        rows = await self._store.cql.run("tx_get", k)
        if not rows:
            return None
        self._store.clock.observe(rows[0][1])
        return _load(rows[0][0])

    async def put(self, table: str, partition: str, key: str, doc: Doc) -> None:
        # a copy now (later changes by the caller must not leak in), and a document
        # that cannot be encoded fails here, not at commit
        self.writes.docs[(table, partition, key)] = orjson.loads(orjson.dumps(doc))

    async def delete(self, table: str, partition: str, key: str) -> None:
        self.writes.docs[(table, partition, key)] = None

    async def applied_version(self, projection: str, stream: str) -> int:
        return (await self.applied_versions(projection, [stream]))[stream]

    async def set_applied_version(self, projection: str, stream: str, version: int) -> None:
        self.writes.guards[(projection, stream)] = version

    async def applied_versions(self, projection: str, streams: Sequence[str]) -> dict[str, int]:
        if projection not in self._replayed:  # a crashed writer's commit comes first
            await self._store._replay(projection)
            self._replayed.add(projection)
        wanted = list(dict.fromkeys(streams))
        missing: dict[int, list[str]] = {}
        for s in wanted:
            if (projection, s) not in self.writes.guards:
                missing.setdefault(bucket(s), []).append(s)
        found: dict[str, int] = {}
        pages = await asyncio.gather(*(self._store.cql.run("guard_get", (projection, b, ss))
                                       for b, ss in missing.items()))
        for rows in pages:
            for stream, version, written in rows:
                found[stream] = int(version)
                self._store.clock.observe(written)
        return {s: self.writes.guards.get((projection, s), found.get(s, 0)) for s in wanted}

    async def set_applied_versions(self, projection: str, versions: Mapping[str, int]) -> None:
        for stream, version in versions.items():
            self.writes.guards[(projection, stream)] = version


async def _uncancellable(commit: Awaitable[None]) -> None:
    """A commit, once begun, runs to its end even if the caller is cancelled (the
    caller still sees the cancellation): a half-sent write set is left to the redo
    replay only when the process dies."""
    task = asyncio.ensure_future(commit)
    try:
        await asyncio.shield(task)
    except asyncio.CancelledError:
        await asyncio.wait({task})
        raise


def _load(raw: bytes) -> Doc:
    doc: Doc = orjson.loads(raw)
    return doc
