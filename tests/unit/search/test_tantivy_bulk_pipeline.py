"""A bulk load's large write calls have their documents analysed in a worker process
(ADR 0073, amended): the index must hold what the same writes made in this process
would hold, and a worker that dies is an outage that fails the bulk load."""

from __future__ import annotations

import base64
import gc
import sys
import weakref
from pathlib import Path

import orjson
import pytest

from services.search import tantivy_documents, tantivy_index
from services.search.analysis import normalised
from services.search.errors import SearchUnavailable
from services.search.memory import id_hash
from services.search.port import FACETS, SearchDoc, SearchRequest
from services.search.tantivy_documents import DocumentPipeline, Write, document_json
from services.search.tantivy_index import TantivySearchIndex

DOCS = [SearchDoc(id=f"p{i}", title=title, body=body, date=f"2026-03-0{i + 1}T10:00:00Z",
                  votes=i, departement="35" if i % 2 else "", region="53", kind="proposal")
        for i, (title, body) in enumerate([
            ("Des vélos partout", "Électricité verte\net cœur de ville"),
            ("Pistes cyclables", "Le vélo, « oui » !"),
            ("Bus de nuit", 'Un "bus" le soir\\ et la nuit'),
            ("", ""),
            ("Écoles", "Cantines scolaires bio"),
            ("Gare", "Moins de voitures"),
            ("Tramway", "Jusqu'à la gare"),
        ])]


def test_a_document_is_written_as_the_json_of_its_fields() -> None:
    doc = SearchDoc(id='p"7\\', title="Vélos « partout »", body="Ligne 1\nLigne 2\t!",
                    date="2026-03-01T10:00:00Z", votes=12, theme_id='mobi"lite', region="53")
    fields = orjson.loads(document_json(doc.id, 3, doc))
    payload = fields.pop("payload")
    assert fields == {"id": doc.id, "version": 3, "idhash": id_hash(doc.id), "alive": 1,
                      "votes": 12, "ts": 1772359200, "text": normalised(f"{doc.title} {doc.body}"),
                      "theme_id": 'mobi"lite', "region": "53"}
    assert base64.b64decode(payload) == orjson.dumps(doc)
    assert orjson.loads(document_json("x", 4, None)) == {
        "id": "x", "version": 4, "idhash": id_hash("x"), "alive": 0}


@pytest.fixture
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    # several chunks, some sent ahead, without building tens of thousands of documents
    monkeypatch.setattr(tantivy_documents, "PIPELINE_MIN", 3)
    monkeypatch.setattr(tantivy_documents, "PIPELINE_CHUNK", 2)
    monkeypatch.setattr(tantivy_index, "BULK_ADD_DOCS", 4)


@pytest.mark.usefixtures("small_chunks")
def test_the_worker_builds_the_documents_this_process_would() -> None:
    writes: list[Write] = [(d.id, 3, d) for d in DOCS] + [("gone", 4, None)]
    pipeline = DocumentPipeline()
    try:
        assert list(pipeline.built(writes)) == [document_json(*w) for w in writes]
        assert list(pipeline.built(writes[:2])) == [document_json(*w) for w in writes[:2]]
        assert list(pipeline.built(writes[2:])) == [document_json(*w) for w in writes[2:]]
    finally:
        pipeline.close()


@pytest.mark.usefixtures("small_chunks")
async def test_a_bulk_load_through_the_worker_is_searchable_at_its_end(tmp_path: Path) -> None:
    index = TantivySearchIndex(tmp_path / "search")
    await index.begin_bulk()
    for page in (DOCS[:2], DOCS[2:4], DOCS[4:]):  # pages of a replay, held then added
        await index.upsert([(d, 1) for d in page])
    await index.upsert([(DOCS[0], 2), (DOCS[1], 1)])  # a revision, a stale one
    await index.delete([("p5", 2)])
    await index.end_bulk()

    async def ids(query: str) -> list[str]:
        page = await index.search(SearchRequest(query=query, sort="date"))
        return [h.doc.id for h in page.hits]

    assert await ids("vélo") == ["p1", "p0"]  # « vélos » found by « vélo »
    assert await ids('"cantines scolaires"') == ["p4"]
    assert await ids("electricite cœur") == ["p0"]
    assert await ids("voitures") == []  # deleted during the load
    assert await index.count() == len(DOCS) - 1
    page = await index.search(SearchRequest(query="bus", facets=["departement"]))
    assert [h.doc for h in page.hits] == [DOCS[2]] and page.facets["departement"] == []
    page = await index.search(SearchRequest(query="pistes", facets=["departement"]))
    assert [h.doc for h in page.hits] == [DOCS[1]] and page.facets["departement"] == [("35", 1)]


@pytest.mark.usefixtures("small_chunks")
async def test_a_worker_that_cannot_run_fails_the_bulk_load_as_an_outage(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    index = TantivySearchIndex(tmp_path / "search")
    await index.begin_bulk()
    with monkeypatch.context() as m:
        m.setattr(sys, "executable", "/bin/false")  # the worker exits at once
        await index.upsert([(d, 1) for d in DOCS[:2]])  # held
        with pytest.raises(SearchUnavailable, match="worker exited"):
            await index.upsert([(d, 1) for d in DOCS[2:]])
    assert await index.count() == 0  # nothing of the failed load was committed

    await index.begin_bulk()  # the next rebuild starts a worker again
    await index.upsert([(d, 1) for d in DOCS])
    await index.end_bulk()
    assert await index.count() == len(DOCS)


def test_each_document_gets_its_own_facets_whatever_was_built_before(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # the facets' JSON is remembered by combination (ADR 0090): a combination seen
    # before, a new one, none at all, and the memo forgotten past its size
    monkeypatch.setattr(tantivy_documents, "FACETS_JSON_MEMO", 2)
    docs = [SearchDoc(id=f"f{i}", title="t", body="b", date="", theme_id=theme,
                      region=region, commune=commune)
            for i, (theme, region, commune) in enumerate([
                ("mobilite", "53", ""), ("", "", ""), ("mobilite", "", ""),
                ("mobilite", "53", ""), ("", "", 'Saint-"Malo"')])]
    for doc in docs * 2:
        fields = orjson.loads(document_json(doc.id, 1, doc))
        assert {k: v for k, v in fields.items() if k in FACETS} == {
            name: doc.facet(name) for name in FACETS if doc.facet(name)}


def test_documents_are_built_a_chunk_at_a_time_before_they_are_handed_over(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # tantivy's indexing thread then finds several queued instead of sleeping
    # between two `add_json` (ADR 0090)
    monkeypatch.setattr(tantivy_documents, "PIPELINE_CHUNK", 3)
    built: list[str] = []

    def document_json(doc_id: str, version: int, doc: SearchDoc | None) -> str:
        built.append(doc_id)
        return doc_id

    monkeypatch.setattr(tantivy_documents, "document_json", document_json)
    writes: list[Write] = [(d.id, 1, d) for d in DOCS]
    handed = []
    for doc_id in DocumentPipeline().built(writes):
        handed.append((doc_id, len(built)))
    assert handed == [("p0", 3), ("p1", 3), ("p2", 3), ("p3", 6), ("p4", 6), ("p5", 6),
                      ("p6", 7)]


async def test_a_bulk_load_keeps_the_heap_it_starts_with_from_the_collector(
    tmp_path: Path,
) -> None:
    # collected first (no garbage frozen for good), then frozen (ADR 0090)
    class Node:
        other: object = None

    a, b = Node(), Node()
    a.other, b.other = b, a
    garbage = weakref.ref(a)
    del a, b
    index = TantivySearchIndex(tmp_path / "search")
    frozen = gc.get_freeze_count()
    try:
        await index.begin_bulk()
        assert garbage() is None
        assert gc.get_freeze_count() > frozen
    finally:
        gc.unfreeze()
        await index.end_bulk()
