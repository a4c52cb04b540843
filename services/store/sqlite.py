"""The SQLite read store of the embedded topology (ADR 0003).

Every logical table lives in one `docs(tbl, part, key, doc)` table whose primary
key is also the listing order, so a page is one index range scan. Guards sit in
`guards`, written in the same SQLite transaction as the documents.

Reads run on the event loop thread: in WAL mode a reader never waits for a
writer, and a query on the primary key costs microseconds, far less than a hop
to a thread. A transaction holds the write lock (`BEGIN IMMEDIATE`) from its
start, so its reads and writes are serialised with every other writer, in this
process or another one on the same file. Taking the lock is tried on the loop
first (free: microseconds) and goes to a thread only when another process holds
it. COMMIT runs on the loop too: with synchronous=NORMAL a WAL commit does not
fsync, and the WAL checkpoints (which do) run in a thread on their own
connection every CHECKPOINT_EVERY commits instead of inside a commit. Those are
PASSIVE, and under steady load (readers and writers on several connections, at no
moment all done with the WAL) the WAL never starts over and grows by every page
written: 16-40 MB/s under `bench/vote.py`, one process or two. Once it holds
WAL_RESTART_BYTES, the checkpoint empties it (TRUNCATE, ADR 0109).

SQLite's operational errors (disk full, disk I/O error, database locked, cannot
open) and OS errors leave as `StoreUnavailable`: the store cannot do its job right
now, whatever the documents, so a worker retries instead of dead-lettering
(ADR 0031). A damaged file (SQLITE_CORRUPT, SQLITE_NOTADB) counts as one too.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from types import TracebackType

import orjson

from services.core.errors import StoreUnavailable
from services.core.sqlite_lock import begin_immediate
from services.core.sqlite_open import closing_on_error, open_while_busy
from services.store.port import Doc, ReadStore, StoreTx, Where

BUSY_TIMEOUT_MS = 10_000
CHECKPOINT_EVERY = 50  # commits between two background WAL checkpoints
WAL_RESTART_BYTES = 256 * 1024 * 1024  # of the WAL's pages, before it is emptied
# `docs` is a WITHOUT ROWID table: SQLite keeps a row in the tree only up to about
# a quarter of a page (1,002 bytes of a 4 KiB page, 4,086 of 16 KiB) and moves the
# rest to overflow pages, one more page to read and write for each such document.
# Read models' documents are often 1-3 KB (a contribution's state and its text): with
# 4 KiB pages a third of the demo's pages were overflow pages. 16 KiB pages rebuilt
# every projection ~20 % faster (ADR 0119).
PAGE_SIZE = 16_384
# How long emptying the WAL may wait for the readers still in it; writers wait
# meanwhile (their BEGIN goes to a thread), so it is short, and tried again later.
RESTART_WAIT_MS = 200
SCAN_PAGE = 500

_SCHEMA = """
CREATE TABLE IF NOT EXISTS docs (
    tbl TEXT NOT NULL,
    part TEXT NOT NULL,
    key TEXT NOT NULL,
    doc BLOB NOT NULL,
    PRIMARY KEY (tbl, part, key)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS guards (
    projection TEXT NOT NULL,
    stream TEXT NOT NULL,
    version INTEGER NOT NULL,
    PRIMARY KEY (projection, stream)
) WITHOUT ROWID;
"""


_GET = "SELECT doc FROM docs WHERE tbl = ? AND part = ? AND key = ?"
_GET_MANY = ("SELECT key, doc FROM docs WHERE tbl = ? AND part = ?"
             " AND key IN (SELECT value FROM json_each(?))")
_GET_EACH: dict[int, str] = {}  # number of documents -> query (get_each)

_SELECT = "SELECT key, doc FROM docs WHERE tbl = ? AND part = ?"
_LIST = {  # (reverse, after given) -> query
    (False, False): f"{_SELECT} ORDER BY key LIMIT ?",
    (False, True): f"{_SELECT} AND key > ? ORDER BY key LIMIT ?",
    (True, False): f"{_SELECT} ORDER BY key DESC LIMIT ?",
    (True, True): f"{_SELECT} AND key < ? ORDER BY key DESC LIMIT ?",
}
_KEY_AT = {  # reverse -> query: the documents skipped are not read out
    False: "SELECT key FROM docs WHERE tbl = ? AND part = ? ORDER BY key LIMIT 1 OFFSET ?",
    True: "SELECT key FROM docs WHERE tbl = ? AND part = ? ORDER BY key DESC LIMIT 1 OFFSET ?",
}
_SCAN_FIRST = "SELECT part, key, doc FROM docs WHERE tbl = ? ORDER BY part, key LIMIT ?"
_SCAN_NEXT = (
    "SELECT part, key, doc FROM docs WHERE tbl = ? AND (part, key) > (?, ?)"
    " ORDER BY part, key LIMIT ?"
)


def _get_each(docs: int) -> str:
    """One row, a column per document: each a primary-key search, scalar
    subqueries (where `tbl IN (...)` cost as much as the separate statements, ADR
    0097). Only placeholders go into the text."""
    one = "(SELECT doc FROM docs WHERE tbl = ? AND part = ? AND key = ?)"
    return "SELECT " + ", ".join([one] * docs)


_DAMAGED = {sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB}


class _Outage:
    """Translate the driver's "cannot do it now" errors at the port boundary.
    A class rather than a `contextlib.contextmanager`: every read enters it, and
    a generator-based one costs ~1 µs more each time (six reads per ballot,
    ADR 0095). Stateless: one instance serves every `with`."""

    __slots__ = ()

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 tb: TracebackType | None) -> None:
        if error is None:
            return
        if isinstance(error, (sqlite3.OperationalError, OSError)):
            raise StoreUnavailable(f"read store: {error}") from error
        if isinstance(error, sqlite3.DatabaseError) \
                and error.sqlite_errorcode & 0xFF in _DAMAGED:
            raise StoreUnavailable(f"read store: {error}") from error


_OUTAGE = _Outage()


def _outage() -> _Outage:
    return _OUTAGE


def _connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    # Before WAL: it sizes the pages of a new file only (one made before keeps its own).
    conn.execute(f"PRAGMA page_size = {PAGE_SIZE}")
    conn.execute("PRAGMA journal_mode = WAL")
    # NORMAL: a power cut may lose the last transactions, never tear one; a
    # projection then replays them from the log, its guards making that harmless.
    conn.execute("PRAGMA synchronous = NORMAL")
    return conn


def _connect_read_only(path: Path) -> sqlite3.Connection:
    """A connection that cannot write: the file and its WAL are opened O_RDONLY
    (`mode=ro`); the WAL index (-shm) is still shared with the writer, as every
    WAL reader's is. The file must exist: its owner creates it."""
    if not path.exists():  # mode=ro never creates it; say so as an outage, not a crash
        raise StoreUnavailable(f"read store: {path.name} not created yet by its owner")
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True,
                           isolation_level=None, check_same_thread=False)
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    return conn


class SqliteReadStore(ReadStore):
    """`read_only`: the store of another process (the service that owns the file,
    ADR 0037), opened for reading only; a transaction is refused. The connection is
    made at the first read, so a reader may start before the owner created the file
    (until then reads raise `StoreUnavailable`)."""

    def __init__(self, path: str | Path, *, read_only: bool = False) -> None:
        self.path = Path(path)
        self.read_only = read_only
        self.queries = 0  # read round trips, for constant-query tests
        self._reader: sqlite3.Connection | None = None
        self._writer: sqlite3.Connection | None = None
        self._write_lock = asyncio.Lock()
        self._checkpointer: sqlite3.Connection | None = None
        self._checkpointing: asyncio.Task[None] | None = None
        self._commits = 0
        self._page_size = PAGE_SIZE

    async def start(self) -> None:
        if self._reader is not None or self.read_only:
            return
        with _outage():
            # Other processes may be creating the same file (sqlite_open.py).
            writer = await open_while_busy(closing_on_error(
                lambda: _connect(self.path), lambda conn: conn.executescript(_SCHEMA)))
            writer.execute("PRAGMA busy_timeout = 0")  # never wait on the loop: see _begin
            # Checkpoints (the only step of a NORMAL commit that waits for the disk)
            # leave the commit path: a thread runs them every CHECKPOINT_EVERY commits.
            writer.execute("PRAGMA wal_autocheckpoint = 0")
            self._checkpointer = _connect(self.path)
            self._checkpointer.execute(f"PRAGMA busy_timeout = {RESTART_WAIT_MS}")
            # the file's own: PAGE_SIZE, or what a file made before it has
            self._page_size = int(writer.execute("PRAGMA page_size").fetchone()[0])
            self._writer, self._reader = writer, _connect(self.path)

    async def close(self) -> None:
        if self._checkpointing is not None:
            await asyncio.wait({self._checkpointing})
        for conn in (self._reader, self._writer, self._checkpointer):
            if conn is not None:
                conn.close()
        self._reader = self._writer = self._checkpointer = None

    async def ping(self) -> None:
        with _outage():
            self._read().execute("SELECT 1").fetchone()

    def _read(self) -> sqlite3.Connection:
        if self._reader is None and self.read_only:
            with _outage():
                self._reader = _connect_read_only(self.path)
        if self._reader is None:
            raise RuntimeError("SqliteReadStore used before start() or after close()")
        self.queries += 1
        return self._reader

    def changes(self) -> int | None:
        # data_version moves when another connection commits: this process's
        # writer and any other process alike. Local, no I/O beyond the WAL index.
        if self._reader is None:
            return None
        return int(self._reader.execute("PRAGMA data_version").fetchone()[0])

    # -- reads ---------------------------------------------------------------
    async def get(self, table: str, partition: str, key: str) -> Doc | None:
        with _outage():
            row = self._read().execute(_GET, (table, partition, key)).fetchone()
        return _load(row[0]) if row else None

    async def get_each(self, wheres: Sequence[tuple[str, str, str]]) -> list[Doc | None]:
        if not wheres:
            return []
        sql = _GET_EACH.get(len(wheres))
        if sql is None:
            sql = _GET_EACH[len(wheres)] = _get_each(len(wheres))
        params = [part for where in wheres for part in where]
        with _outage():
            row = self._read().execute(sql, params).fetchone()
        return [_load(raw) if raw is not None else None for raw in row]

    async def applied_version(self, projection: str, stream: str) -> int:
        with _outage():
            row = self._read().execute(
                "SELECT version FROM guards WHERE projection = ? AND stream = ?",
                (projection, stream)).fetchone()
        return int(row[0]) if row else 0

    async def get_many(self, table: str, partition: str, keys: Sequence[str]) -> dict[str, Doc]:
        if not keys:
            return {}
        with _outage():
            rows = self._read().execute(  # any number of keys, one query
                _GET_MANY, (table, partition, orjson.dumps(list(keys)).decode())).fetchall()
        return {k: _load(d) for k, d in rows}

    async def list(
        self,
        table: str,
        partition: str,
        *,
        limit: int = 50,
        after: str | None = None,
        reverse: bool = False,
    ) -> list[tuple[str, Doc]]:
        sql = _LIST[(reverse, after is not None)]
        params = (table, partition, after, limit) if after is not None else (
            table, partition, limit)
        with _outage():
            rows = self._read().execute(sql, params).fetchall()
        return [(k, _load(d)) for k, d in rows]

    async def key_at(self, table: str, partition: str, index: int, *,
                     reverse: bool = False) -> str | None:
        if index < 0:
            return None
        with _outage():
            row = self._read().execute(_KEY_AT[reverse], (table, partition, index)).fetchone()
        return None if row is None else str(row[0])

    async def count(self, table: str, partition: str) -> int:
        with _outage():
            row = self._read().execute(
                "SELECT count(*) FROM docs WHERE tbl = ? AND part = ?", (table, partition)
            ).fetchone()
        return int(row[0])

    async def scan(self, table: str) -> AsyncIterator[tuple[str, str, Doc]]:
        # keyset pages, so no cursor stays open across the caller's awaits
        with _outage():
            rows = self._read().execute(_SCAN_FIRST, (table, SCAN_PAGE)).fetchall()
        while rows:
            for part, key, doc in rows:
                yield part, key, _load(doc)
            last_part, last_key = rows[-1][0], rows[-1][1]
            with _outage():
                rows = self._read().execute(
                    _SCAN_NEXT, (table, last_part, last_key, SCAN_PAGE)
                ).fetchall()

    async def guards(self, projection: str) -> AsyncIterator[tuple[str, int]]:
        after = ""
        while rows := self._read().execute(
                "SELECT stream, version FROM guards WHERE projection = ? AND stream > ?"
                " ORDER BY stream LIMIT ?", (projection, after, SCAN_PAGE)).fetchall():
            for stream, version in rows:
                yield stream, int(version)
            after = rows[-1][0]

    # -- writes --------------------------------------------------------------
    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[StoreTx]:
        if self.read_only:
            raise PermissionError(f"read store {self.path.name} is opened read-only here: "
                                  "only the service that owns it writes it")
        async with self._write_lock:
            conn = self._writer
            if conn is None:
                raise RuntimeError("SqliteReadStore used before start() or after close()")
            try:
                with _outage():
                    await _begin(conn)
                tx = _SqliteTx(conn)
                yield tx
                tx.flush()
                # On the loop: in WAL with synchronous=NORMAL a commit appends to
                # the WAL without fsync, and checkpoints run elsewhere (start()).
                with _outage():
                    conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    with _outage():  # a failing rollback: the store itself is failing
                        conn.execute("ROLLBACK")
                raise
            self._commits += 1
            if self._commits % CHECKPOINT_EVERY == 0:
                self._checkpoint_soon()

    def _checkpoint_soon(self) -> None:
        checkpointer = self._checkpointer
        if checkpointer is None or (self._checkpointing and not self._checkpointing.done()):
            return

        page_size = self._page_size

        def checkpoint() -> None:
            with contextlib.suppress(sqlite3.Error):
                # PASSIVE: copies what no reader still needs, never blocks writers or readers
                _, frames, _ = checkpointer.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
                if frames * page_size >= WAL_RESTART_BYTES:
                    # TRUNCATE: copies the rest, waits (RESTART_WAIT_MS at most) for the
                    # readers still in the WAL, then empties the file; new writers wait
                    # meanwhile. Busy: nothing is lost, the next checkpoint tries again.
                    checkpointer.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()

        self._checkpointing = asyncio.get_running_loop().create_task(
            asyncio.to_thread(checkpoint))

    async def drop_projection(self, projection: str, tables: Sequence[str]) -> None:
        async with self.transaction() as tx:
            assert isinstance(tx, _SqliteTx)
            with _outage():
                tx.conn.execute(
                    "DELETE FROM docs WHERE tbl IN (SELECT value FROM json_each(?))",
                    (orjson.dumps(list(tables)).decode(),),
                )
                tx.conn.execute("DELETE FROM guards WHERE projection = ?", (projection,))

    async def absorb(self, side: Path) -> int:
        """Copy every document and guard of another read store file into this one,
        in one transaction: what a `parlons replay --all` job built in a file of its
        own, as two processes cannot both write this one (ADR 0121). Its
        projections must have been dropped here first: a document already here
        fails the whole copy (IntegrityError) rather than being overwritten.
        Returns the documents copied."""
        if self.read_only:
            raise PermissionError(f"read store {self.path.name} is opened read-only here")
        async with self._write_lock:
            conn = self._writer
            if conn is None:
                raise RuntimeError("SqliteReadStore used before start() or after close()")
            with _outage():
                conn.execute("ATTACH DATABASE ? AS side", (str(side),))  # not in a transaction
            try:
                with _outage():
                    await _begin(conn)
                try:
                    with _outage():
                        # both tables' primary keys lead: rows arrive in the stored order
                        copied = conn.execute(
                            "INSERT INTO main.docs (tbl, part, key, doc)"
                            " SELECT tbl, part, key, doc FROM side.docs").rowcount
                        conn.execute("INSERT INTO main.guards (projection, stream, version)"
                                     " SELECT projection, stream, version FROM side.guards")
                        conn.execute("COMMIT")
                except BaseException:
                    if conn.in_transaction:
                        with _outage():
                            conn.execute("ROLLBACK")
                    raise
            finally:
                with _outage():
                    conn.execute("DETACH DATABASE side")
        self._commits += 1
        return int(copied)


class _SqliteTx(StoreTx):
    """Runs on the store's write connection, inside its open transaction.

    Documents go through a cache of their encoded bytes for the length of the
    transaction (ADR 0083): the transaction holds the file's write lock, so what it
    read cannot change under it, and a projection's batch reads and rewrites the
    same documents again and again (an item at its deposit, then at its check; a
    per-consultation counter per event). A read found there is decoded anew (the
    caller may change its dict); a write is encoded at once and stored with the
    others in two statements before the commit (`flush`)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self._docs: dict[tuple[str, str, str], bytes | None] = {}  # None: absent
        self._dirty: set[tuple[str, str, str]] = set()

    async def get(self, table: str, partition: str, key: str) -> Doc | None:
        where = (table, partition, key)
        if where in self._docs:
            raw = self._docs[where]
        else:
            with _outage():
                row = self.conn.execute(_GET, where).fetchone()
            raw = self._docs[where] = row[0] if row else None
        return _load(raw) if raw is not None else None

    async def prefetch(self, wheres: Iterable[Where]) -> None:
        """Those of `wheres` not read yet, read in one query per table and
        partition into the cache `get` answers from; the absent ones cached as
        absent. A projection's batch asked them one `get` at a time, a query
        each (~5 µs of sqlite3 and Python) for documents that mostly do not
        exist yet: a new contribution's state, a new author's (ADR 0120)."""
        docs = self._docs
        wanted: dict[tuple[str, str], set[str]] = {}
        for where in wheres:
            if where not in docs:
                wanted.setdefault(where[:2], set()).add(where[2])
        for (table, partition), keys in wanted.items():
            with _outage():
                found = dict(self.conn.execute(
                    _GET_MANY, (table, partition, orjson.dumps(sorted(keys)).decode())))
            for key in keys:
                docs[(table, partition, key)] = found.get(key)

    async def put(self, table: str, partition: str, key: str, doc: Doc) -> None:
        where = (table, partition, key)
        self._docs[where] = orjson.dumps(doc)  # a document that cannot be encoded is not an outage
        self._dirty.add(where)

    async def delete(self, table: str, partition: str, key: str) -> None:
        where = (table, partition, key)
        self._docs[where] = None
        self._dirty.add(where)

    def flush(self) -> None:
        """Write the documents put and deleted (the last state of each), in key
        order: a batch's documents have random ids, and in their table's order
        each write lands in or next to the page the previous one changed, while
        it is still in SQLite's cache, instead of anywhere in the tree (ADR 0098)."""
        dirty, self._dirty = sorted(self._dirty), set()
        docs = self._docs
        with _outage():
            self.conn.executemany(
                "INSERT INTO docs (tbl, part, key, doc) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (tbl, part, key) DO UPDATE SET doc = excluded.doc",
                # a bytearray: bound without sqlite3's adapter lookup (ADR 0114)
                [(*where, bytearray(doc)) for where in dirty
                 if (doc := docs[where]) is not None])
            self.conn.executemany(
                "DELETE FROM docs WHERE tbl = ? AND part = ? AND key = ?",
                [where for where in dirty if docs[where] is None])

    async def applied_version(self, projection: str, stream: str) -> int:
        with _outage():
            row = self.conn.execute(
                "SELECT version FROM guards WHERE projection = ? AND stream = ?",
                (projection, stream),
            ).fetchone()
        return int(row[0]) if row else 0

    async def set_applied_version(self, projection: str, stream: str, version: int) -> None:
        await self.set_applied_versions(projection, {stream: version})

    async def applied_versions(self, projection: str, streams: Sequence[str]) -> dict[str, int]:
        # in key order: one walk along the guards' tree rather than a jump per stream
        wanted = sorted(set(streams))
        with _outage():
            found = dict(self.conn.execute(
                "SELECT stream, version FROM guards WHERE projection = ?"
                " AND stream IN (SELECT value FROM json_each(?))",
                (projection, orjson.dumps(wanted).decode()),
            ).fetchall())
        return {s: int(found.get(s, 0)) for s in wanted}

    async def set_applied_versions(self, projection: str, versions: Mapping[str, int]) -> None:
        # in key order, as `flush` writes the documents
        with _outage():
            self.conn.executemany(
                "INSERT INTO guards (projection, stream, version) VALUES (?, ?, ?)"
                " ON CONFLICT (projection, stream) DO UPDATE SET version = excluded.version",
                [(projection, s, versions[s]) for s in sorted(versions)],
            )


async def _begin(conn: sqlite3.Connection) -> None:
    """BEGIN IMMEDIATE on the loop when the file's write lock is free (the usual
    case: microseconds, no thread hop; the write connection has busy_timeout=0);
    in a thread, waiting up to BUSY_TIMEOUT_MS, when another process holds it."""
    try:
        conn.execute("BEGIN IMMEDIATE")
        return
    except sqlite3.OperationalError as busy:
        if busy.sqlite_errorcode != sqlite3.SQLITE_BUSY:
            raise

    task = asyncio.ensure_future(asyncio.to_thread(
        begin_immediate, conn, BUSY_TIMEOUT_MS / 1000))
    try:
        await asyncio.shield(task)
    except asyncio.CancelledError:
        await asyncio.wait({task})
        raise


def _load(raw: bytes) -> Doc:
    doc: Doc = orjson.loads(raw)
    return doc
