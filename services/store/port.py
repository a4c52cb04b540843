"""The read store port: where projections keep what pages and APIs read.

The model is Cassandra's, so both adapters fit it: a document lives in a
`table`, under a `partition`, at a `key`; a partition lists its documents in key
order. Projections pick keys that sort usefully (zero-padded dates, ranks).

Projections are idempotent: inside a transaction a projection reads and moves a
per-stream guard (`applied_version`), so an event delivered twice, or replayed,
changes nothing the second time. The same transaction stores the projection's
checkpoint, so an adapter that can (SQLite) makes both atomic.

Contract: tests/contract/test_store_contract.py.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from typing import Any

Doc = dict[str, Any]
Where = tuple[str, str, str]  # (table, partition, key)


class StoreTx(ABC):
    """Writes made inside one transaction; visible to readers only after it ends."""

    @abstractmethod
    async def get(self, table: str, partition: str, key: str) -> Doc | None: ...

    @abstractmethod
    async def put(self, table: str, partition: str, key: str, doc: Doc) -> None: ...

    @abstractmethod
    async def delete(self, table: str, partition: str, key: str) -> None: ...

    @abstractmethod
    async def applied_version(self, projection: str, stream: str) -> int:
        """The last stream version this projection applied (0 if none)."""

    @abstractmethod
    async def set_applied_version(self, projection: str, stream: str, version: int) -> None: ...

    async def applied_versions(self, projection: str, streams: Sequence[str]) -> dict[str, int]:
        """`applied_version` of many streams (0 if none); an adapter may answer in one
        round trip, as a projection batch asks for all its streams at once."""
        return {s: await self.applied_version(projection, s) for s in dict.fromkeys(streams)}

    async def set_applied_versions(self, projection: str, versions: Mapping[str, int]) -> None:
        """`set_applied_version` for many streams."""
        for stream, version in versions.items():
            await self.set_applied_version(projection, stream, version)

    async def prefetch(self, wheres: Iterable[Where]) -> None:
        """A hint: this transaction is about to `get` these (table, partition, key)
        documents. An adapter whose transaction keeps what it read may read them
        all at once (SQLite: one query per table and partition, where each `get`
        was one). Nothing by default."""
        return None


class ReadStore(ABC):
    @abstractmethod
    async def get(self, table: str, partition: str, key: str) -> Doc | None: ...

    @abstractmethod
    async def get_many(self, table: str, partition: str, keys: Sequence[str]) -> dict[str, Doc]:
        """One round trip for several keys (pages must not do N+1 queries)."""

    async def get_each(self, wheres: Sequence[tuple[str, str, str]]) -> list[Doc | None]:
        """The document at each (table, partition, key), in their order: the
        reference data a decision reads from several read models (an item's deposit,
        its moderation state, its consultation). One round trip where the adapter
        can (SQLite: one statement, ADR 0097); here, one `get` each."""
        return [await self.get(table, partition, key) for table, partition, key in wheres]

    @abstractmethod
    async def list(
        self,
        table: str,
        partition: str,
        *,
        limit: int = 50,
        after: str | None = None,
        reverse: bool = False,
    ) -> list[tuple[str, Doc]]:
        """Documents of a partition in key order, keyset-paginated by `after`."""

    async def key_at(self, table: str, partition: str, index: int, *,
                     reverse: bool = False) -> str | None:
        """The key at position `index` (from 0) of the partition in key order
        (descending if `reverse`), None past the end: where a numbered page starts
        (`list(after=key_at(...))`). Here, keyset pages up to it, documents read and
        dropped; an adapter that can skip rows without reading them does (SQLite)."""
        after: str | None = None
        while index >= 0:
            page = await self.list(table, partition, limit=min(index + 1, 500),
                                   after=after, reverse=reverse)
            if not page:
                return None
            if index < len(page):
                return page[index][0]
            index -= len(page)
            after = page[-1][0]
        return None

    @abstractmethod
    async def count(self, table: str, partition: str) -> int: ...

    @abstractmethod
    def transaction(self) -> AbstractAsyncContextManager[StoreTx]: ...

    @abstractmethod
    async def applied_version(self, projection: str, stream: str) -> int:
        """How far `projection` has applied `stream` (its guard; 0 if not at all),
        committed: what read-your-writes waits on."""

    @abstractmethod
    async def drop_projection(self, projection: str, tables: Sequence[str]) -> None:
        """Delete a projection's tables and guards so it can be rebuilt from the log."""

    def changes(self) -> int | None:
        """A number that changes whenever a write this process can see is committed,
        read without a round trip; None when the adapter cannot tell cheaply. What
        the public page cache is keyed on (ADR 0071): a page rendered before the
        projections advanced is never served after."""
        return None

    async def start(self) -> None: ...

    async def close(self) -> None: ...

    async def ping(self) -> None:
        """Raise when the store cannot answer (readiness)."""

    async def scan(self, table: str) -> AsyncIterator[tuple[str, str, Doc]]:
        """Every (partition, key, doc) of a table: for recounts and tests, not pages."""
        raise NotImplementedError
        yield  # pragma: no cover

    async def guards(self, projection: str) -> AsyncIterator[tuple[str, int]]:
        """Every (stream, version) guard of a projection: for `parlons verify`."""
        raise NotImplementedError
        yield  # pragma: no cover
