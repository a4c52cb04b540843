"""A fake of the `Cql` surface of services/store/cassandra_cql.py: the named
statements of STATEMENTS interpreted over dictionaries, with Cassandra's
last-write-wins cells (a tombstone wins a tie), row, partition and clustering
order semantics. It tests the store's own logic (write sets, redo replay,
paging, batch composition) without a server; it proves nothing about
Cassandra itself -- that is the contract run against a real one
(tests/contract/test_store_cassandra.py)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import Any

from services.store.cassandra_cql import STATEMENTS

Cell = tuple[Any, int]  # (value, timestamp); value None is a tombstone
MARKER = "\0row"  # the row marker an INSERT writes


class Table:
    def __init__(self) -> None:
        self.rows: dict[Any, dict[str, dict[str, Cell]]] = {}
        self.partition_deleted: dict[Any, int] = {}

    def write(self, pk: Any, ck: str, cols: dict[str, Any], ts: int, insert: bool) -> None:
        row = self.rows.setdefault(pk, {}).setdefault(ck, {})
        for col, value in ({MARKER: True, **cols} if insert else cols).items():
            old = row.get(col)
            if old is None or ts > old[1] or (
                    ts == old[1] and old[0] is not None
                    and (value is None or repr(value) > repr(old[0]))):
                row[col] = (value, ts)

    def delete_row(self, pk: Any, ck: str, ts: int) -> None:
        row = self.rows.setdefault(pk, {}).setdefault(ck, {})
        for col in [*row, MARKER]:
            self.write(pk, ck, {col: None}, ts, insert=False)

    def delete_partition(self, pk: Any, ts: int) -> None:
        self.partition_deleted[pk] = max(ts, self.partition_deleted.get(pk, 0))

    def live(self, pk: Any) -> list[tuple[str, dict[str, Cell]]]:
        """Rows of a partition in clustering order: (key, live cells)."""
        floor = self.partition_deleted.get(pk, -1)
        out = []
        for ck in sorted(self.rows.get(pk, {})):
            cells = {c: v for c, v in self.rows[pk][ck].items()
                     if v[0] is not None and v[1] > floor}
            if cells:
                out.append((ck, cells))
        return out

    def get(self, pk: Any, ck: str) -> dict[str, Cell] | None:
        return dict(self.live(pk)).get(ck)


class FakeCql:
    def __init__(self) -> None:
        self.docs, self.parts, self.guards, self.redo = Table(), Table(), Table(), Table()
        self.calls: list[str] = []
        self.batches: list[list[tuple[str, tuple[Any, ...]]]] = []
        self.fail: Callable[[str], Exception | None] = lambda name: None
        self.closed = False

    async def run(self, name: str, params: tuple[Any, ...]) -> list[tuple[Any, ...]]:
        assert name in STATEMENTS, name
        assert STATEMENTS[name].count("?") == len(params), (name, params)
        self.calls.append(name)
        await asyncio.sleep(0)  # a round trip: other tasks run meanwhile
        if (error := self.fail(name)) is not None:
            raise error
        return getattr(self, "_" + name)(*params)

    async def batch(self, items: Sequence[tuple[str, tuple[Any, ...]]]) -> None:
        self.batches.append(list(items))
        for name, params in items:
            await self.run(name, params)

    def close(self) -> None:
        self.closed = True

    # -- statements, by name -------------------------------------------------------------
    def _get(self, tbl: str, part: str, key: str) -> list[tuple[Any, ...]]:
        row = self.docs.get((tbl, part), key)
        return [(row["doc"][0],)] if row and "doc" in row else []

    def _tx_get(self, tbl: str, part: str, key: str) -> list[tuple[Any, ...]]:
        row = self.docs.get((tbl, part), key)
        return [(row["doc"][0], row["doc"][1])] if row and "doc" in row else []

    def _get_many(self, tbl: str, part: str, keys: list[str]) -> list[tuple[Any, ...]]:
        return [(k, c["doc"][0]) for k, c in self.docs.live((tbl, part)) if k in keys]

    def _slice(self, tbl: str, part: str, keep: Callable[[str], bool], reverse: bool,
               limit: int) -> list[tuple[Any, ...]]:
        if limit <= 0:
            raise ValueError("InvalidRequest: LIMIT must be strictly positive")
        rows = [(k, c["doc"][0]) for k, c in self.docs.live((tbl, part)) if keep(k)]
        return (rows[::-1] if reverse else rows)[:limit]

    def _list(self, tbl: str, part: str, limit: int) -> list[tuple[Any, ...]]:
        return self._slice(tbl, part, lambda k: True, False, limit)

    def _list_after(self, tbl: str, part: str, after: str, limit: int) -> list[tuple[Any, ...]]:
        return self._slice(tbl, part, lambda k: k > after, False, limit)

    def _list_rev(self, tbl: str, part: str, limit: int) -> list[tuple[Any, ...]]:
        return self._slice(tbl, part, lambda k: True, True, limit)

    def _list_rev_after(self, tbl: str, part: str, after: str,
                        limit: int) -> list[tuple[Any, ...]]:
        return self._slice(tbl, part, lambda k: k < after, True, limit)

    def _count(self, tbl: str, part: str) -> list[tuple[Any, ...]]:
        return [(len(self.docs.live((tbl, part))),)]

    def _parts(self, tbl: str, after: str, limit: int) -> list[tuple[Any, ...]]:
        return [(p,) for p, _ in self.parts.live(tbl) if p > after][:limit]

    def _put(self, tbl: str, part: str, key: str, doc: bytes, ts: int) -> list[Any]:
        self.docs.write((tbl, part), key, {"doc": doc}, ts, insert=True)
        return []

    def _put_part(self, tbl: str, part: str, ts: int) -> list[Any]:
        self.parts.write(tbl, part, {}, ts, insert=True)
        return []

    def _delete(self, ts: int, tbl: str, part: str, key: str) -> list[Any]:
        self.docs.delete_row((tbl, part), key, ts)
        return []

    def _drop_part(self, ts: int, tbl: str, part: str) -> list[Any]:
        self.docs.delete_partition((tbl, part), ts)
        return []

    def _drop_parts(self, ts: int, tbl: str) -> list[Any]:
        self.parts.delete_partition(tbl, ts)
        return []

    def _guard_get(self, proj: str, b: int, streams: list[str]) -> list[tuple[Any, ...]]:
        return [(s, c["version"][0], c["version"][1]) for s, c in self.guards.live((proj, b))
                if s in streams]

    def _guard_put(self, proj: str, b: int, stream: str, version: int, ts: int) -> list[Any]:
        self.guards.write((proj, b), stream, {"version": version}, ts, insert=True)
        return []

    def _guard_scan(self, proj: str, b: int, after: str, limit: int) -> list[tuple[Any, ...]]:
        return [(s, c["version"][0]) for s, c in self.guards.live((proj, b)) if s > after][:limit]

    def _guard_drop(self, ts: int, proj: str, b: int) -> list[Any]:
        self.guards.delete_partition((proj, b), ts)
        return []

    def _redo_get(self, proj: str) -> list[tuple[Any, ...]]:
        def col(cells: dict[str, Cell], name: str) -> Any:
            return cells[name][0] if name in cells else None

        return [(w, col(c, "txid"), col(c, "applied"), col(c, "writes"), col(c, "ts"))
                for w, c in self.redo.live(proj)]

    def _redo_put(self, proj: str, writer: str, txid: str, writes: bytes, ts_col: int,
                  ts: int) -> list[Any]:
        self.redo.write(proj, writer, {"txid": txid, "writes": writes, "ts": ts_col}, ts,
                        insert=True)
        return []

    def _redo_done(self, ts: int, applied: str, proj: str, writer: str) -> list[Any]:
        self.redo.write(proj, writer, {"applied": applied, "writes": None}, ts, insert=False)
        return []

    def _redo_lanes(self) -> list[tuple[Any, ...]]:
        return [(p,) for p in sorted(self.redo.rows) if self.redo.live(p)]

    def _redo_drop(self, ts: int, proj: str) -> list[Any]:
        self.redo.delete_partition(proj, ts)
        return []

    def _ping(self) -> list[tuple[Any, ...]]:
        return [("fake",)]
