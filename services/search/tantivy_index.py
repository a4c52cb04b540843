"""The embedded search index (tantivy, through its Python binding).

Text is indexed as the stems of `services.search.analysis` (folded accents, Snowball
French) with a whitespace tokenizer, positions kept for phrases; the document itself
is stored as one JSON payload. External versions: every id keeps one tantivy document,
live or a tombstone (`alive` = 0) carrying the version, so a stale write can be
recognised after a delete too. Each write call ends with a commit: searchable and
durable when it returns -- except between `begin_bulk` and `end_bulk` (a rebuild from
the log), which commit every BULK_COMMIT_DOCS documents and at the end only: a commit
flushes segments and fsyncs, and one per replayed page of 1,000 events cost four
times the indexing itself (ADR 0073).
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import threading
import time
from collections import deque
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import orjson
import tantivy

from services.search.errors import SearchUnavailable
from services.search.memory import random_key
from services.search.port import (
    FACETS,
    MAX_FACET_VALUES,
    MAX_RESULT_WINDOW,
    Hit,
    SearchDoc,
    SearchIndex,
    SearchPage,
    SearchRequest,
)
from services.search.query import And, MatchAll, Node, Not, Or, Phrase, Term, positive_stems
from services.search.snippets import snippet
from services.search.tantivy_documents import DocumentPipeline, Write, document_json

RANDOM_CANDIDATES = 100_000  # `sort=random` shuffles at most this many matches (ADR 0023)
# The indexing memory shared by the writer's threads: a segment is flushed when it is
# full, so a small heap cuts a bulk load into many small segments to merge again.
WRITER_HEAP = 256_000_000
# One indexing thread: it keeps up with the Python thread that builds the documents
# (about 7 us of indexing a document against 14 us of building and handing it over),
# and each thread makes its own segments: with two, a bulk load of 1,000,000 (a commit
# every 200,000) ended with at least ten segments and a merge of them (15 s of wall
# time at a load average of 20-35); with one, five segments and no merge (ADR 0073,
# amended).
WRITER_THREADS = 1
BULK_COMMIT_DOCS = 200_000  # bounds what a rebuild holds uncommitted (and `_pending`)
# The versions this process's writer committed, kept to skip the index lookup of an
# id written again (a ballot rewrites its item's document): at most this many ids,
# forgotten all at once past it (ADR 0087).
KNOWN_VERSIONS = 200_000
# A rebuild's documents are handed to tantivy this many at once: a replay writes pages
# of 1,000 events, too few for their analysis to go to a worker process (ADR 0073).
BULK_ADD_DOCS = 50_000
RELOAD_EVERY = 0.2  # seconds: how stale a reading process's view may be
# The binding raises ValueError for everything; these words in its message mean the
# index's files could not be written (disk full, I/O error) or another writer holds
# the directory: an outage, not the documents' fault.
_OUTAGE_WORDS = ("IoError", "LockBusy")


def _schema() -> tantivy.Schema:
    sb = tantivy.SchemaBuilder()
    sb.add_text_field("id", tokenizer_name="raw", index_option="basic")
    sb.add_integer_field("alive", indexed=True, fast=True)
    sb.add_integer_field("version", fast=True)
    sb.add_integer_field("idhash", fast=True)
    sb.add_integer_field("votes", indexed=True, fast=True)
    sb.add_integer_field("ts", indexed=True, fast=True)
    sb.add_text_field("text", tokenizer_name="whitespace", index_option="position")
    for name in FACETS:
        sb.add_text_field(name, tokenizer_name="raw", index_option="basic", fast=True)
    sb.add_bytes_field("payload", stored=True)
    return sb.build()


class TantivySearchIndex(SearchIndex):
    def __init__(self, path: Path | None = None) -> None:
        """`path` None: a throwaway index in memory."""
        self._schema = _schema()
        if path is not None:
            path.mkdir(parents=True, exist_ok=True)
        self._index = tantivy.Index(self._schema, path=None if path is None else str(path))
        # The writer is opened on the first write only: tantivy allows one writer per
        # directory across processes, and in the distributed topology (or several
        # `serve --no-workers` front processes) only the process running the indexer
        # writes; the others only search, and pick up its commits by reloading.
        self._open_writer: tantivy.IndexWriter | None = None
        self._lock = threading.Lock()  # one writer; searches read committed segments
        self._reloaded_at = 0.0
        # the log the index is built from (ADR 0032): a file beside the segments
        self._origin_file = None if path is None else path / "origin"
        self._origin = ""
        # ids written since the last commit, with their versions: the searcher does
        # not see them yet (several write calls share one commit in a bulk load)
        self._pending: dict[str, int] = {}
        # ids this writer committed, with their versions: while it holds the directory's
        # lock no other process writes, so the index holds exactly these (ADR 0087)
        self._committed: dict[str, int] = {}
        # the documents decided on but not yet added (all their deletes are sent)
        self._held: dict[str, Write] = {}
        self._bulk = False
        self._pipeline = DocumentPipeline()  # a worker process during bulk loads

    # -- writes -------------------------------------------------------------------------
    async def upsert(self, docs: Sequence[tuple[SearchDoc, int]]) -> None:
        await asyncio.to_thread(self._write, [(d.id, v, d) for d, v in docs])

    async def delete(self, ids: Sequence[tuple[str, int]]) -> None:
        await asyncio.to_thread(self._write, [(i, v, None) for i, v in ids])

    async def clear(self) -> None:
        def clear() -> None:
            with self._lock, self._writing():
                if self._origin_file is not None:
                    self._origin_file.unlink(missing_ok=True)  # first: never a stale claim
                self._origin = ""
                self._held = {}
                self._writer.delete_all_documents()
                self._committed = {}
                self._commit()
        await asyncio.to_thread(clear)

    async def begin_bulk(self) -> None:
        self._bulk = True
        # What the process holds now (for `bench/search.py`, the whole corpus) is kept
        # out of the cyclic collector's sight, as a server's start-up heap is (ADR 0079):
        # a bulk load keeps tens of thousands of containers alive per write call (the
        # writes, the held documents), enough to start a full collection every few
        # calls, each walking every object of the process again (3.5-5.3 s of 1,000,000
        # documents' build, ADR 0090). Collected first, so no garbage is frozen. Never
        # unfrozen: that would also hand the start-up heap back to the collector.
        gc.collect()
        gc.freeze()

    async def end_bulk(self) -> None:
        def end() -> None:
            with self._lock, self._writing():
                if self._pending:
                    self._commit()
                self._bulk = False
                self._pipeline.close()
                if self._open_writer is not None:
                    # A rebuilt index is served from merged segments: wait for the
                    # merges its commits started (they would otherwise take the CPU
                    # from the first searches, each running over every segment).
                    # This consumes the writer; the next write opens another.
                    self._open_writer.wait_merging_threads()
                    self._open_writer = None
                    self._index.reload()
        await asyncio.to_thread(end)

    async def origin(self) -> str:
        if self._origin_file is None:
            return self._origin
        try:
            return self._origin_file.read_text().strip()
        except FileNotFoundError:
            return ""

    async def set_origin(self, origin: str) -> None:
        if self._origin_file is None:
            self._origin = origin
            return
        fresh = self._origin_file.with_suffix(".tmp")
        fresh.write_text(origin + "\n")
        fresh.replace(self._origin_file)  # atomic: the old claim or the new one

    async def close(self) -> None:
        self._pipeline.close()
        if self._open_writer is not None:
            await asyncio.to_thread(self._open_writer.wait_merging_threads)

    @property
    def _writer(self) -> tantivy.IndexWriter:
        # called with self._lock held
        if self._open_writer is None:
            self._committed = {}  # another process may have written without a writer here
            self._open_writer = self._index.writer(heap_size=WRITER_HEAP,
                                                   num_threads=WRITER_THREADS)
        return self._open_writer

    def _fresh_searcher(self) -> tantivy.Searcher:
        """A reading process sees another process's commits only after a reload;
        reload at most every RELOAD_EVERY seconds (the writer reloads on commit)."""
        if self._open_writer is None:
            now = time.monotonic()
            if now - self._reloaded_at >= RELOAD_EVERY:
                self._index.reload()
                self._reloaded_at = now
        return self._index.searcher()

    @contextlib.contextmanager
    def _writing(self) -> Iterator[None]:
        """Called with self._lock held. A failed write call leaves nothing pending in
        the writer (a retry would otherwise commit its documents twice); an I/O or
        lock failure becomes SearchUnavailable, which a worker retries (ADR 0031).
        A bulk load fails as a whole: what it had not committed is gone, and as the
        index claims no origin until the rebuild ends, the next start rebuilds. A
        worker process building documents that died (WorkerGone) is an OSError."""
        try:
            yield
        except (ValueError, OSError) as error:
            self._pending, self._held, self._bulk = {}, {}, False
            self._pipeline.close()
            if self._open_writer is not None:
                with contextlib.suppress(ValueError):
                    self._open_writer.rollback()
            if isinstance(error, OSError) or any(w in str(error) for w in _OUTAGE_WORDS):
                raise SearchUnavailable(f"search index: {error}") from error
            raise

    def _write(self, ops: list[Write]) -> None:
        with self._lock, self._writing():
            searcher = self._index.searcher()
            empty = searcher.num_docs == 0  # a bulk load into a clear index skips lookups
            seen = self._pending
            writer = self._writer  # opened first: it resets what `_committed` knows
            # A document is added after every delete sent so far: a delete removes
            # the versions added before it, so each id is held once (its last version).
            held = self._held
            for write in ops:
                doc_id, version, _ = write
                known = seen.get(doc_id) or self._committed.get(doc_id)
                # an id the term dictionary has never seen needs no lookup and no
                # delete (most writes: a new contribution, a rebuild after `clear`)
                fresh = known is None and (empty or searcher.doc_freq("id", doc_id) == 0)
                if known is None:
                    known = 0 if fresh else self._version_of(searcher, doc_id)
                if version <= known:
                    continue
                if not fresh:  # replace the live document or the tombstone
                    writer.delete_documents_by_term("id", doc_id)
                seen[doc_id] = version
                held[doc_id] = write
            if seen and (not self._bulk or len(seen) >= BULK_COMMIT_DOCS):
                self._commit()
            elif len(held) >= BULK_ADD_DOCS:
                self._add_held()

    def _add_held(self) -> None:
        writes, self._held = list(self._held.values()), {}
        if self._bulk:  # large: analysed in a worker process
            documents = self._pipeline.built(writes)
        else:
            documents = (document_json(*w) for w in writes)
        deque(map(self._writer.add_json, documents), maxlen=0)  # the loop in C

    def _commit(self) -> None:
        self._add_held()
        self._writer.commit()
        if not self._bulk:  # a rebuild writes each id once: nothing to look up again
            if len(self._committed) + len(self._pending) > KNOWN_VERSIONS:
                self._committed = {}
            self._committed.update(self._pending)
        self._pending = {}
        self._index.reload()

    def _version_of(self, searcher: tantivy.Searcher, doc_id: str) -> int:
        q = tantivy.Query.term_query(self._schema, "id", doc_id)
        found = searcher.search(q, 1, count=False).hits
        if not found:
            return 0
        (version,) = searcher.fast_field_values("version", [found[0][1]])
        return int(version or 0)

    # -- reads --------------------------------------------------------------------------
    async def count(self) -> int:
        searcher = self._fresh_searcher()
        alive = tantivy.Query.term_query(self._schema, "alive", 1)
        return _count(searcher.search(alive, 1))

    async def search(self, request: SearchRequest) -> SearchPage:
        node, req = request.checked()
        return await asyncio.to_thread(self._search, node, req)

    def _search(self, node: Node, req: SearchRequest) -> SearchPage:
        searcher = self._fresh_searcher()
        query = self._query(node, req)
        offset = (req.page - 1) * req.page_size
        # tantivy sizes its heap for offset + limit hits: past the port's window,
        # the total only (one hit asked, none shown), as OpenSearch answers
        shown = offset + req.page_size <= MAX_RESULT_WINDOW
        if req.sort == "random":
            total, addresses = self._shuffled(searcher, query, req, offset)
        else:
            order: dict[str, Any] = {}
            if req.sort == "votes":
                order = {"order_by_field": "votes", "order": tantivy.Order.Desc}
            elif req.sort == "date":
                order = {"order_by_field": "ts", "order": tantivy.Order.Desc}
            result = searcher.search(query, req.page_size if shown else 1,
                                     offset=offset if shown else 0, **order)
            total, addresses = _count(result), [a for _, a in result.hits]
        addresses = addresses if shown else []
        wanted = positive_stems(node)
        hits = []
        for address in addresses:
            doc = SearchDoc(**orjson.loads(searcher.doc(address)["payload"][0]))
            hits.append(Hit(doc, snippet(doc.body or doc.title, wanted)))
        return SearchPage(total=total, hits=hits, facets=self._facets(searcher, query, req),
                          page=req.page, page_size=req.page_size)

    async def _from_hash(self, node: Node, req: SearchRequest, low: int,
                         limit: int) -> list[tuple[int, SearchDoc]]:
        return await asyncio.to_thread(self._hashed, node, req, low, limit)

    def _hashed(self, node: Node, req: SearchRequest, low: int,
                limit: int) -> list[tuple[int, SearchDoc]]:
        searcher = self._fresh_searcher()
        above = tantivy.Query.range_query(self._schema, "idhash", tantivy.FieldType.Integer,
                                          low, 2**63 - 1)
        query = tantivy.Query.boolean_query([(tantivy.Occur.Must, self._query(node, req)),
                                             (tantivy.Occur.Must, above)])
        result = searcher.search(query, limit, count=False, order_by_field="idhash",
                                 order=tantivy.Order.Asc)
        addresses = [a for _, a in result.hits]
        hashes = searcher.fast_field_values("idhash", addresses)
        return [(int(h or 0), SearchDoc(**orjson.loads(searcher.doc(a)["payload"][0])))
                for h, a in zip(hashes, addresses, strict=True)]

    def _shuffled(self, searcher: tantivy.Searcher, query: tantivy.Query, req: SearchRequest,
                  offset: int) -> tuple[int, list[tantivy.DocAddress]]:
        result = searcher.search(query, RANDOM_CANDIDATES)
        addresses = [a for _, a in result.hits]
        hashes = searcher.fast_field_values("idhash", addresses)
        ranked = sorted(zip(hashes, range(len(addresses)), strict=True),
                        key=lambda hi: random_key(req.seed, int(hi[0] or 0)))
        page = ranked[offset:offset + req.page_size]
        return _count(result), [addresses[i] for _, i in page]

    def _facets(self, searcher: tantivy.Searcher, query: tantivy.Query,
                req: SearchRequest) -> dict[str, list[tuple[str, int]]]:
        if not req.facets:
            return {}
        aggs = {name: {"terms": {"field": name, "size": MAX_FACET_VALUES + 1}}
                for name in req.facets}
        found = searcher.aggregate(query, aggs)
        out: dict[str, list[tuple[str, int]]] = {}
        for name in req.facets:
            buckets = [(str(b["key"]), int(b["doc_count"])) for b in found[name]["buckets"]
                       if b["key"] != ""]
            out[name] = sorted(buckets, key=lambda kv: (-kv[1], kv[0]))[:MAX_FACET_VALUES]
        return out

    def _query(self, node: Node, req: SearchRequest) -> tantivy.Query:
        must = tantivy.Occur.Must
        # Tombstones excluded rather than live documents required: `alive = 1` is every
        # document, so requiring it intersected (and scored) each match with a posting
        # list as long as the index; `alive = 0` is short. Same matches, same order
        # (that term added the same score to all): half the CPU of most queries.
        parts = [(must, self._node(node)),
                 (tantivy.Occur.MustNot, tantivy.Query.term_query(self._schema, "alive", 0))]
        for name, values in req.filters.items():
            either = [(tantivy.Occur.Should, tantivy.Query.term_query(self._schema, name, v))
                      for v in values]
            parts.append((must, tantivy.Query.const_score_query(
                tantivy.Query.boolean_query(either), 0.0)))
        return tantivy.Query.boolean_query(parts)

    def _node(self, node: Node) -> tantivy.Query:
        q = tantivy.Query
        if isinstance(node, MatchAll):
            return q.all_query()
        if isinstance(node, Term):
            return q.term_query(self._schema, "text", node.stem)
        if isinstance(node, Phrase):
            return q.phrase_query(self._schema, "text", list(node.stems))
        if isinstance(node, Not):
            return q.boolean_query([(tantivy.Occur.Must, q.all_query()),
                                    (tantivy.Occur.MustNot, self._node(node.part))])
        if isinstance(node, And):
            return q.boolean_query([
                (tantivy.Occur.MustNot, self._node(p.part)) if isinstance(p, Not)
                else (tantivy.Occur.Must, self._node(p)) for p in node.parts])
        assert isinstance(node, Or)
        return q.boolean_query([(tantivy.Occur.Should, self._node(p)) for p in node.parts])


def _count(result: tantivy.SearchResult) -> int:
    # `count` exists at run time (count=True by default) but not in the binding's stubs
    return int(getattr(result, "count", 0) or 0)
