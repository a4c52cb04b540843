"""In-memory read store: the fake for unit tests. Transactions buffer their
writes and apply them on success, so a failed handler leaves nothing behind."""

from __future__ import annotations

import asyncio
import copy
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

from services.store.port import Doc, ReadStore, StoreTx

_Key = tuple[str, str, str]


class MemoryReadStore(ReadStore):
    def __init__(self) -> None:
        self._docs: dict[_Key, Doc] = {}
        self._guards: dict[tuple[str, str], int] = {}
        self._lock = asyncio.Lock()
        self.queries = 0  # read round trips, for constant-query tests
        self._changes = 0  # committed transactions and drops (`changes`)

    async def get(self, table: str, partition: str, key: str) -> Doc | None:
        self.queries += 1
        doc = self._docs.get((table, partition, key))
        return copy.deepcopy(doc) if doc is not None else None

    async def applied_version(self, projection: str, stream: str) -> int:
        return self._guards.get((projection, stream), 0)

    async def get_many(self, table: str, partition: str, keys: Sequence[str]) -> dict[str, Doc]:
        self.queries += 1
        return {
            k: copy.deepcopy(d)
            for k in keys
            if (d := self._docs.get((table, partition, k))) is not None
        }

    async def list(
        self,
        table: str,
        partition: str,
        *,
        limit: int = 50,
        after: str | None = None,
        reverse: bool = False,
    ) -> list[tuple[str, Doc]]:
        self.queries += 1
        keys = sorted(
            (k[2] for k in self._docs if k[0] == table and k[1] == partition), reverse=reverse
        )
        if after is not None:
            keys = [k for k in keys if (k < after if reverse else k > after)]
        return [(k, copy.deepcopy(self._docs[(table, partition, k)])) for k in keys[:limit]]

    async def key_at(self, table: str, partition: str, index: int, *,
                     reverse: bool = False) -> str | None:
        self.queries += 1  # one statement, as SQLite's
        keys = sorted((k[2] for k in self._docs if k[0] == table and k[1] == partition),
                      reverse=reverse)
        return keys[index] if 0 <= index < len(keys) else None

    async def count(self, table: str, partition: str) -> int:
        self.queries += 1
        return sum(1 for k in self._docs if k[0] == table and k[1] == partition)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[StoreTx]:
        async with self._lock:
            tx = _MemoryTx(self)
            yield tx
            tx.apply()
            self._changes += 1

    def changes(self) -> int | None:
        return self._changes

    async def drop_projection(self, projection: str, tables: Sequence[str]) -> None:
        async with self._lock:
            for k in [k for k in self._docs if k[0] in tables]:
                del self._docs[k]
            for g in [g for g in self._guards if g[0] == projection]:
                del self._guards[g]
            self._changes += 1

    async def scan(self, table: str) -> AsyncIterator[tuple[str, str, Doc]]:
        for (t, p, k), doc in sorted(self._docs.items()):
            if t == table:
                yield p, k, copy.deepcopy(doc)


    async def guards(self, projection: str) -> AsyncIterator[tuple[str, int]]:
        for (p, stream), version in sorted(self._guards.items()):
            if p == projection:
                yield stream, version


class _MemoryTx(StoreTx):
    _DELETED: Any = object()

    def __init__(self, store: MemoryReadStore) -> None:
        self._store = store
        self._writes: dict[_Key, Any] = {}
        self._guards: dict[tuple[str, str], int] = {}

    async def get(self, table: str, partition: str, key: str) -> Doc | None:
        k = (table, partition, key)
        if k in self._writes:
            w = self._writes[k]
            return None if w is self._DELETED else copy.deepcopy(w)
        doc = self._store._docs.get(k)
        return copy.deepcopy(doc) if doc is not None else None

    async def put(self, table: str, partition: str, key: str, doc: Doc) -> None:
        self._writes[(table, partition, key)] = copy.deepcopy(doc)

    async def delete(self, table: str, partition: str, key: str) -> None:
        self._writes[(table, partition, key)] = self._DELETED

    async def applied_version(self, projection: str, stream: str) -> int:
        g = (projection, stream)
        return self._guards.get(g, self._store._guards.get(g, 0))

    async def set_applied_version(self, projection: str, stream: str, version: int) -> None:
        self._guards[(projection, stream)] = version

    def apply(self) -> None:
        for k, w in self._writes.items():
            if w is self._DELETED:
                self._store._docs.pop(k, None)
            else:
                self._store._docs[k] = w
        self._store._guards.update(self._guards)
