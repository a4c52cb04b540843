"""One read store per service (ADR 0037): the `ReadStore` a process is given
routes each table to the store of the service whose projections own it.

A table belongs to the service of the projection that declares it (`tables`);
guards belong to the service of their projection; a consumer's log marks to the
service of the consumer. What no service owns (the idempotency answers of the
HTTP front) goes to the process's own `home` store.

A transaction opens the underlying transactions lazily, on the first table it
touches in each store. A projection touches only its own service's store, so a
worker's transaction is one SQLite transaction, atomic as before; a transaction
that wrote to two stores would not be atomic across them, so it is refused.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Collection, Iterable, Mapping, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any, Protocol

from services.runtime.amnesia import MARKS
from services.store.port import Doc, ReadStore, StoreTx, Where


class Declarations(Protocol):
    """What a service declares (a `services.runtime.services.ServiceSpec`)."""

    @property
    def name(self) -> str: ...

    @property
    def projections(self) -> Sequence[Callable[..., Any]]: ...

    @property
    def processes(self) -> Sequence[Callable[..., Any]]: ...


class DataOwners:
    """Which service owns each table, each projection's guards and each
    consumer's marks, from every service's declarations."""

    def __init__(self, specs: Sequence[Declarations]) -> None:
        self.services = [spec.name for spec in specs]
        self.tables: dict[str, str] = {}
        self.consumers: dict[str, str] = {}
        for spec in specs:
            for consumer in (*spec.projections, *spec.processes):
                self.consumers[consumer.name] = spec.name  # type: ignore[attr-defined]
            for projection in spec.projections:
                for table in projection.tables:  # type: ignore[attr-defined]
                    owner = self.tables.setdefault(table, spec.name)
                    if owner != spec.name:  # one file per service needs one owner per table
                        raise ValueError(f"table {table!r} is written by {owner} and "
                                         f"{spec.name}")


class RoutedReadStore(ReadStore):
    """`stores`: each service's store; `writable`: the services whose store this
    process writes (its own, in a worker), the others being opened read-only;
    `home`: this process's own store, for what no service owns."""

    def __init__(self, owners: DataOwners, stores: Mapping[str, ReadStore],
                 home: ReadStore, *, writable: Collection[str]) -> None:
        self.owners = owners
        self.stores = dict(stores)
        self.home = home
        self._read_only = {id(s) for name, s in self.stores.items() if name not in writable}
        self._read_only.discard(id(home))

    @property
    def queries(self) -> int:
        """Read round trips of the stores under it (constant-query tests)."""
        return sum(int(getattr(s, "queries", 0)) for s in self._every())

    def read_only(self, store: ReadStore) -> bool:
        return id(store) in self._read_only

    def for_table(self, table: str, partition: str = "") -> ReadStore:
        if table == MARKS:  # partitioned by consumer
            return self._of(self.owners.consumers.get(partition))
        return self._of(self.owners.tables.get(table))

    def for_projection(self, projection: str) -> ReadStore:
        return self._of(self.owners.consumers.get(projection))

    def _of(self, service: str | None) -> ReadStore:
        return self.home if service is None else self.stores[service]

    def _every(self) -> list[ReadStore]:
        return list(dict.fromkeys([self.home, *self.stores.values()]))  # home may be one

    def changes(self) -> int | None:
        """Moves whenever one of the stores under it moves: the sum of theirs, each
        of which only grows (SQLite's data_version, read-only files included: another
        process's commit moves it). None when one of them cannot tell."""
        total = 0
        for store in self._every():
            version = store.changes()
            if version is None:
                return None
            total += version
        return total

    # -- reads ---------------------------------------------------------------
    async def get(self, table: str, partition: str, key: str) -> Doc | None:
        return await self.for_table(table, partition).get(table, partition, key)

    async def get_many(self, table: str, partition: str, keys: Sequence[str]) -> dict[str, Doc]:
        return await self.for_table(table, partition).get_many(table, partition, keys)

    async def get_each(self, wheres: Sequence[tuple[str, str, str]]) -> list[Doc | None]:
        """One round trip per store the documents live in."""
        by_store: dict[int, tuple[ReadStore, list[int]]] = {}
        for n, (table, partition, _) in enumerate(wheres):
            store = self.for_table(table, partition)
            by_store.setdefault(id(store), (store, []))[1].append(n)
        found: list[Doc | None] = [None] * len(wheres)
        for store, positions in by_store.values():
            docs = await store.get_each([wheres[n] for n in positions])
            for n, doc in zip(positions, docs, strict=True):
                found[n] = doc
        return found

    async def list(self, table: str, partition: str, *, limit: int = 50,
                   after: str | None = None, reverse: bool = False) -> list[tuple[str, Doc]]:
        return await self.for_table(table, partition).list(
            table, partition, limit=limit, after=after, reverse=reverse)

    async def key_at(self, table: str, partition: str, index: int, *,
                     reverse: bool = False) -> str | None:
        return await self.for_table(table, partition).key_at(table, partition, index,
                                                             reverse=reverse)

    async def count(self, table: str, partition: str) -> int:
        return await self.for_table(table, partition).count(table, partition)

    async def applied_version(self, projection: str, stream: str) -> int:
        return await self.for_projection(projection).applied_version(projection, stream)

    async def scan(self, table: str) -> AsyncIterator[tuple[str, str, Doc]]:
        async for row in self.for_table(table).scan(table):
            yield row

    async def guards(self, projection: str) -> AsyncIterator[tuple[str, int]]:
        async for row in self.for_projection(projection).guards(projection):
            yield row

    # -- writes --------------------------------------------------------------
    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[StoreTx]:
        async with AsyncExitStack() as opened:
            yield _RoutedTx(self, opened)

    async def drop_projection(self, projection: str, tables: Sequence[str]) -> None:
        await self.for_projection(projection).drop_projection(projection, tables)

    # -- lifecycle -------------------------------------------------------------
    async def start(self) -> None:
        for store in self._every():
            await store.start()

    async def close(self) -> None:
        for store in self._every():
            await store.close()

    async def ping(self) -> None:
        for store in self._every():
            await store.ping()


class _RoutedTx(StoreTx):
    def __init__(self, routed: RoutedReadStore, opened: AsyncExitStack) -> None:
        self._routed = routed
        self._opened = opened
        self._txs: dict[int, StoreTx] = {}
        self._written: ReadStore | None = None

    async def _tx(self, store: ReadStore, *, writes: bool) -> StoreTx:
        if writes:
            if self._written is not None and self._written is not store:
                raise RuntimeError("one transaction writes one service's store: "
                                   "across two it would not be atomic")
            self._written = store
        if id(store) not in self._txs:
            self._txs[id(store)] = await self._opened.enter_async_context(store.transaction())
        return self._txs[id(store)]

    async def get(self, table: str, partition: str, key: str) -> Doc | None:
        store = self._routed.for_table(table, partition)
        if self._routed.read_only(store):  # another service's: its committed data
            return await store.get(table, partition, key)
        return await (await self._tx(store, writes=False)).get(table, partition, key)

    async def prefetch(self, wheres: Iterable[Where]) -> None:
        by_store: dict[int, tuple[ReadStore, list[Where]]] = {}
        for where in wheres:
            store = self._routed.for_table(where[0], where[1])
            if not self._routed.read_only(store):  # another service's is read as it is
                by_store.setdefault(id(store), (store, []))[1].append(where)
        for store, mine in by_store.values():
            await (await self._tx(store, writes=False)).prefetch(mine)

    async def put(self, table: str, partition: str, key: str, doc: Doc) -> None:
        store = self._routed.for_table(table, partition)
        await (await self._tx(store, writes=True)).put(table, partition, key, doc)

    async def delete(self, table: str, partition: str, key: str) -> None:
        store = self._routed.for_table(table, partition)
        await (await self._tx(store, writes=True)).delete(table, partition, key)

    async def applied_version(self, projection: str, stream: str) -> int:
        store = self._routed.for_projection(projection)
        return await (await self._tx(store, writes=False)).applied_version(projection, stream)

    async def applied_versions(self, projection: str, streams: Sequence[str]) -> dict[str, int]:
        store = self._routed.for_projection(projection)
        return await (await self._tx(store, writes=False)).applied_versions(projection, streams)

    async def set_applied_version(self, projection: str, stream: str, version: int) -> None:
        store = self._routed.for_projection(projection)
        await (await self._tx(store, writes=True)).set_applied_version(
            projection, stream, version)

    async def set_applied_versions(self, projection: str, versions: Mapping[str, int]) -> None:
        store = self._routed.for_projection(projection)
        await (await self._tx(store, writes=True)).set_applied_versions(projection, versions)
