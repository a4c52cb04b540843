"""Search over HTTP on a whole container (tantivy on disk): the public and analyst
API, bad input as 400 or an empty page, the CSV export, and `replay` rebuilding the
index from the log with the same hits as the live one."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from harness.events import Streams
from harness.search_events import T0, sample

from services.apikit.deps import analyst_context
from services.consultation.projections import CatalogueProjection
from services.core.participants import AnalystContext
from services.runtime.app import create_app
from services.runtime.bootstrap import Container, bootstrap
from services.runtime.cli import rebuild
from services.runtime.settings import Settings
from services.search.port import SearchRequest
from services.store.projection import project_batch

QUERIES = ["", "piste", "velo OR bus", '"garage a velos"', "tramway port", "-bus", "train"]


async def analyst() -> AnalystContext:
    """Who the identity providers would say: an analyst of cons1 only (the role
    policy itself is tested with the identity pages)."""
    return AnalystContext("analyst-1", frozenset({"cons1"}))


def catalogue(*, published: bool) -> Streams:
    """What the public search asks of cons1, the consultation of `sample()`'s
    contributions: published (or unpublished since)."""
    log = Streams(T0)
    stream = "consultation-cons1"
    log.add("consultation.ConsultationCreated", stream, consultation_id="cons1",
            title="Mobilités", slug="cons1", summary="")
    log.add("consultation.ConsultationPublished", stream, consultation_id="cons1")
    if not published:
        log.add("consultation.ConsultationUnpublished", stream, consultation_id="cons1")
    return log


@pytest.fixture
async def platform(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                   ) -> AsyncIterator[tuple[httpx.AsyncClient, Container]]:
    monkeypatch.setenv("PARLONS_SEARCH_BACKEND", "tantivy")
    container = bootstrap(Settings(event_log="sqlite", read_store="sqlite", data_dir=tmp_path,
                                   validate_events=False), services=["search"])
    async with container:
        events = sample().events
        await container.log.append(events)
        await project_batch(container.projection("search.indexer"), events, container.store)
        await project_batch(CatalogueProjection(), catalogue(published=True).events,
                            container.store)
        app = create_app(container)
        app.dependency_overrides[analyst_context] = analyst
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                     base_url="http://parlons.test",
                                     headers={"Accept": "application/json"}) as client:
            yield client, container


async def test_public_search_returns_published_proposals_with_snippets(platform):
    client, _ = platform
    r = await client.get("/api/search", params={"q": "velos", "consultation_id": "cons1"})
    assert r.status_code == 200
    body = r.json()
    assert [h["id"] for h in body["hits"]] == ["p2"]
    assert "<mark>vélos</mark>" in body["hits"][0]["snippet"]
    answers = await client.get("/api/search", params={"q": "trains"})
    assert answers.json()["total"] == 0  # questionnaire answers are for analysts


async def test_the_public_finds_nothing_of_a_consultation_unpublished(platform):
    """Unpublished since (a draft alike): asked by id, a 404; across consultations,
    its contributions left out; the analyst's search keeps them."""
    client, container = platform
    asked = {"q": "velos", "consultation_id": "cons1"}
    assert [h["id"] for h in (await client.get("/api/search", params=asked)).json()["hits"]
            ] == ["p2"]
    await project_batch(CatalogueProjection(), catalogue(published=False).events,
                        container.store)
    assert (await client.get("/api/search", params=asked)).status_code == 404
    similar = {"consultation_id": "cons1", "titre": "Des pistes pour vélo"}
    assert (await client.get("/api/search/similaires", params=similar)).status_code == 404
    for params in ({"q": "velos"}, {"q": "velos", "f.consultation_id": "cons1"}):
        r = await client.get("/api/search", params=params)
        assert r.status_code == 200 and r.json()["total"] == 0, params
    analysed = await client.get("/api/search/analyse", params=asked)
    assert "p2" in [h["id"] for h in analysed.json()["hits"]]


async def test_analyst_search_has_facets_and_answers(platform):
    client, _ = platform
    r = await client.get("/api/search/analyse", params={
        "consultation_id": "cons1", "facet": ["kind", "theme_id"], "sort": "votes"})
    assert r.status_code == 200
    facets = {f["value"]: f["count"] for f in r.json()["facets"]["kind"]}
    assert facets == {"proposal": 4, "answer": 2}
    refused = await client.get("/api/search/analyse", params={"consultation_id": "other"})
    assert refused.status_code == 403


@pytest.mark.parametrize("params", [
    {"q": '"pistes'}, {"q": "(velo"}, {"q": "velo OR"}, {"facet": "author_id"},
    {"sort": "title"}, {"f.body": "x"}, {"page": "abc"}, {"page": "0"}, {"size": "100000"},
    {"page": "10001"}, {"page": "99999999999999999999"},  # was a 500: OverflowError
])
async def test_bad_input_is_a_clear_400(platform, params):
    client, _ = platform
    for path in ("/api/search", "/api/search/analyse"):
        r = await client.get(path, params={"consultation_id": "cons1", **params})
        assert r.status_code == 400, (path, params, r.text)
        assert r.json()["detail"]


async def test_a_page_past_the_end_is_empty(platform):
    client, _ = platform
    r = await client.get("/api/search", params={"page": "999", "consultation_id": "cons1"})
    assert r.status_code == 200 and r.json()["hits"] == [] and r.json()["total"] == 4


async def test_similar_proposals_while_typing(platform):
    client, _ = platform
    r = await client.get("/api/search/similaires",
                         params={"consultation_id": "cons1", "titre": "Des pistes pour vélo"})
    assert sorted(h["id"] for h in r.json()["hits"]) == ["p1", "p2"]
    short = await client.get("/api/search/similaires",
                             params={"consultation_id": "cons1", "titre": "Le"})
    assert short.json()["hits"] == []


async def test_csv_export_streams_the_whole_result_set(platform):
    client, _ = platform
    r = await client.get("/api/search/analyse/export.csv", params={"consultation_id": "cons1"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert sorted(row["id"] for row in rows) == ["p1", "p2", "p3", "p4", "r1~q1", "r1~q2"]


async def test_rebuild_from_the_log_gives_the_same_hits(platform):
    _, container = platform
    index = container.ports["search_index"]

    async def hits() -> dict[str, list[tuple[str, str]]]:
        out = {}
        for q in QUERIES:
            page = await index.search(SearchRequest(query=q, sort="date", page_size=100))  # type: ignore[attr-defined]
            out[q] = [(h.doc.id, h.snippet) for h in page.hits]
        return out

    live = await hits()
    assert live["piste"]
    read, applied = await rebuild(container, "search.indexer")
    assert read == applied == len(sample().events)
    assert await hits() == live
    # rebuilt from this log: a worker starting now does not rebuild it again
    assert await index.origin() == await container.log.identity()  # type: ignore[attr-defined]
