"""The indexer keeps the index equal to what is published, whatever the delivery."""

from __future__ import annotations

import random

import pytest
from harness.search_events import Log, sample, snapshot

from services.core.envelope import Envelope
from services.search.indexer import SearchIndexer
from services.search.memory import MemorySearchIndex
from services.search.port import SearchIndex, SearchRequest
from services.search.workspace import public
from services.store.memory import MemoryReadStore
from services.store.projection import project_batch


async def indexed(events: list[Envelope], index: SearchIndex | None = None) -> SearchIndex:
    index = index or MemorySearchIndex()
    store = MemoryReadStore()
    await project_batch(SearchIndexer(index), events, store)
    return index


async def public_ids(index: SearchIndex, query: str = "") -> list[str]:
    page = await index.search(public(SearchRequest(query=query, page_size=100), "cons1"))
    return sorted(h.doc.id for h in page.hits)


async def test_published_content_is_indexed_with_its_fields():
    index = await indexed(sample().events)
    assert await public_ids(index) == ["p1", "p2", "p3", "p4"]
    page = await index.search(SearchRequest(query="tramway", page_size=10))
    (hit,) = page.hits
    assert hit.doc.body.endswith("et le port.") and hit.doc.region == "53"
    p1 = (await index.search(SearchRequest(query="pistes"))).hits[0].doc
    assert (p1.votes, p1.identity_level, p1.departement, p1.region) == (1, "email", "35", "53")
    answers = await index.search(SearchRequest(filters={"kind": ["answer"]}))
    assert sorted(h.doc.question_id for h in answers.hits) == ["q1", "q2"]


async def test_pre_moderated_content_waits_for_approval():
    log = Log()
    log.proposal("p9", "Bancs publics", "Des bancs.", moderation="pre")
    index = await indexed(log.events)
    assert await public_ids(index) == []


async def test_hidden_content_leaves_public_search():
    log = sample()
    log.decide("p1", "hidden")
    index = await indexed(log.events)
    assert "p1" not in await public_ids(index)
    assert await public_ids(index, "pistes") == []


async def test_withdrawn_content_leaves_public_search():
    log = sample()
    log.withdraw("p2")
    index = await indexed(log.events)
    assert "p2" not in await public_ids(index)
    assert await public_ids(index, "ecole") == []


async def test_erased_authors_content_leaves_public_search():
    log = sample()
    log.erase("u1")  # author of p1, p3, p4
    index = await indexed(log.events)
    assert await public_ids(index) == ["p2"]
    log.proposal("p5", "Nouvelle idée", "Après effacement.", author="u1")
    assert "p5" not in await public_ids(await indexed(log.events))


async def test_public_search_never_shows_questionnaire_answers():
    index = await indexed(sample().events)
    assert await public_ids(index, "trains") == []
    page = await index.search(SearchRequest(query="trains"))
    assert [h.doc.id for h in page.hits] == ["r1~q1"]


@pytest.mark.parametrize("seed", range(5))
async def test_duplicates_and_cross_stream_disorder_end_as_in_order_delivery(seed: int):
    events = sample().events
    events += [sample().events[0]]  # ids differ but stream versions repeat: a redelivery
    log = sample()
    log.decide("p2", "hidden")
    log.decide("p2", "approved")
    log.withdraw("p4")
    reference = await snapshot(await indexed(log.events))

    rng = random.Random(seed)
    by_stream: dict[str, list[Envelope]] = {}
    for e in log.events:
        by_stream.setdefault(e.stream, []).append(e)
    shuffled: list[Envelope] = []
    queues = [list(q) for q in by_stream.values()]
    while any(queues):  # interleave streams at random, each stream stays in order
        q = rng.choice([q for q in queues if q])
        shuffled.append(q.pop(0))
    redelivered = shuffled + rng.sample(shuffled, k=len(shuffled) // 2)
    index = MemorySearchIndex()
    store = MemoryReadStore()
    projection = SearchIndexer(index)
    for start in range(0, len(redelivered), 3):  # in batches, like a worker
        await project_batch(projection, redelivered[start:start + 3], store)
    assert await snapshot(index) == reference
