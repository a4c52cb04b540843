"""The search-index contract (services/search/port.py), run against every adapter.

Subclass `SearchIndexContract` in `test_search_<adapter>.py` and implement
`make_index()`; the suite clears the index first, so one server may serve a session.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import AsyncIterator

import pytest

from services.search.errors import QuerySyntaxError, UnknownField
from services.search.port import MAX_RESULT_WINDOW, SearchDoc, SearchIndex, SearchRequest

CORPUS = [
    SearchDoc(id="p1", title="Des pistes cyclables", body="Créer des pistes cyclables "
              "séparées le long des routes départementales.", date="2024-03-01T10:00:00Z",
              votes=12, consultation_id="c1", kind="proposal", theme_id="mobilite",
              departement="35", region="53", identity_level="email", status="approved"),
    SearchDoc(id="p2", title="Vélo à l'école", body="Un garage à vélos dans chaque école, "
              "et des cours de vélo.", date="2024-03-02T10:00:00Z", votes=30,
              consultation_id="c1", kind="proposal", theme_id="mobilite", departement="35",
              region="53", identity_level="verified", status="approved"),
    SearchDoc(id="p3", title="Bus gratuits", body="Des bus gratuits le week-end, moins de "
              "voitures en ville.", date="2024-03-03T10:00:00Z", votes=5,
              consultation_id="c1", kind="proposal", theme_id="transport", departement="29",
              region="53", identity_level="anonymous", status="published"),
    SearchDoc(id="p4", title="Électricité verte", body="Des panneaux solaires sur les écoles "
              "et l'électricité des bâtiments publics.", date="2024-03-04T10:00:00Z",
              votes=8, consultation_id="c2", kind="proposal", theme_id="energie",
              departement="75", region="11", identity_level="email", status="approved"),
    SearchDoc(id="a1", title="", body="Les pistes cyclables coûtent cher mais les voitures "
              "aussi.", date="2024-03-05T10:00:00Z", votes=1, consultation_id="c1",
              kind="argument", theme_id="mobilite", departement="35", region="53",
              identity_level="email", status="approved"),
]


def ids(page: object) -> list[str]:
    return [h.doc.id for h in page.hits]  # type: ignore[attr-defined]


class SearchIndexContract(ABC):
    @abstractmethod
    async def make_index(self) -> SearchIndex: ...

    @pytest.fixture
    async def index(self) -> AsyncIterator[SearchIndex]:
        idx = await self.make_index()
        await idx.start()
        await idx.clear()
        try:
            yield idx
        finally:
            await idx.close()

    @pytest.fixture
    async def filled(self, index: SearchIndex) -> SearchIndex:
        await index.upsert([(d, 1) for d in CORPUS])
        return index

    async def q(self, index: SearchIndex, query: str = "", **kw: object) -> list[str]:
        return sorted(ids(await index.search(SearchRequest(query=query, **kw))))  # type: ignore[arg-type]

    # -- full text ----------------------------------------------------------------------
    async def test_words_match_with_stemming_and_folded_accents(self, filled: SearchIndex):
        assert await self.q(filled, "velos") == ["p2"]
        assert await self.q(filled, "ELECTRICITE") == ["p4"]
        assert await self.q(filled, "piste") == ["a1", "p1"]

    async def test_words_are_and_by_default_and_or_widens(self, filled: SearchIndex):
        assert await self.q(filled, "pistes voitures") == ["a1"]
        assert await self.q(filled, "bus OR vélo") == ["p2", "p3"]
        assert await self.q(filled, "pistes AND routes") == ["p1"]

    async def test_phrases_need_adjacent_words(self, filled: SearchIndex):
        assert await self.q(filled, '"pistes cyclables"') == ["a1", "p1"]
        assert await self.q(filled, '"cyclables pistes"') == []

    async def test_exclusion(self, filled: SearchIndex):
        assert await self.q(filled, "pistes -voitures") == ["p1"]
        assert await self.q(filled, "pistes NOT voitures") == ["p1"]
        assert await self.q(filled, "-mobilite -voitures -vélo -pistes") == ["p4"]

    async def test_grouping(self, filled: SearchIndex):
        assert await self.q(filled, "(bus OR vélo) école") == ["p2"]

    async def test_empty_query_matches_everything(self, filled: SearchIndex):
        page = await filled.search(SearchRequest())
        assert page.total == len(CORPUS)

    async def test_malformed_queries_raise_a_typed_error(self, filled: SearchIndex):
        for bad in ['"pistes', "(vélo", "vélo)", "vélo OR", "AND vélo"]:
            with pytest.raises(QuerySyntaxError):
                await filled.search(SearchRequest(query=bad))

    # -- filters, facets, sorts, pages --------------------------------------------------
    async def test_filters_are_exact_and_or_within_a_field(self, filled: SearchIndex):
        assert await self.q(filled, filters={"departement": ["35"]}) == ["a1", "p1", "p2"]
        assert await self.q(filled, filters={"departement": ["29", "75"]}) == ["p3", "p4"]
        assert await self.q(filled, "pistes", filters={"kind": ["proposal"]}) == ["p1"]

    async def test_facets_count_the_matching_documents(self, filled: SearchIndex):
        page = await filled.search(SearchRequest(query="", facets=["theme_id", "region"],
                                                 filters={"consultation_id": ["c1"]}))
        assert page.facets["theme_id"] == [("mobilite", 3), ("transport", 1)]
        assert page.facets["region"] == [("53", 4)]

    async def test_unknown_fields_raise(self, filled: SearchIndex):
        with pytest.raises(UnknownField):
            await filled.search(SearchRequest(facets=["author_id"]))
        with pytest.raises(UnknownField):
            await filled.search(SearchRequest(filters={"body": ["x"]}))
        with pytest.raises(UnknownField):
            await filled.search(SearchRequest(sort="title"))

    async def test_sort_by_votes_and_date(self, filled: SearchIndex):
        by_votes = await filled.search(SearchRequest(sort="votes"))
        assert ids(by_votes) == ["p2", "p1", "p4", "p3", "a1"]
        by_date = await filled.search(SearchRequest(sort="date"))
        assert ids(by_date) == ["a1", "p4", "p3", "p2", "p1"]

    async def test_relevance_puts_the_denser_match_first(self, filled: SearchIndex):
        page = await filled.search(SearchRequest(query="vélo"))
        assert ids(page)[0] == "p2"

    async def test_random_sort_is_stable_per_seed_and_pages_partition(self, filled: SearchIndex):
        first = ids(await filled.search(SearchRequest(sort="random", seed=7)))
        again = ids(await filled.search(SearchRequest(sort="random", seed=7)))
        assert first == again and sorted(first) == sorted(d.id for d in CORPUS)
        orders = {tuple(ids(await filled.search(SearchRequest(sort="random", seed=s))))
                  for s in range(6)}
        assert len(orders) > 1
        paged = [i for p in (1, 2, 3) for i in ids(await filled.search(
            SearchRequest(sort="random", seed=7, page=p, page_size=2)))]
        assert paged == first

    async def test_pages_and_a_page_past_the_end(self, filled: SearchIndex):
        p1 = await filled.search(SearchRequest(sort="date", page_size=2))
        p3 = await filled.search(SearchRequest(sort="date", page=3, page_size=2))
        assert ids(p1) == ["a1", "p4"] and ids(p3) == ["p1"] and p1.total == 5
        assert p1.pages == 3
        beyond = await filled.search(SearchRequest(page=40, page_size=2))
        assert beyond.hits == [] and beyond.total == 5

    @pytest.mark.parametrize("sort", ["relevance", "random"])
    async def test_pages_go_through_the_result_window_only(self, filled: SearchIndex,
                                                           sort: str):
        """A page number no page could reach is refused in French (page 10^20 was an
        OverflowError, a 500; page 10^9 aborted the process sizing its heap); the
        last page a size 1 could reach, and a page of 100 starting past the window,
        are empty pages with the true total."""
        for page in (MAX_RESULT_WINDOW + 1, 10**20):
            with pytest.raises(UnknownField, match="précisez la recherche"):
                await filled.search(SearchRequest(page=page, sort=sort))
        for page, size in ((MAX_RESULT_WINDOW, 1), (MAX_RESULT_WINDOW // 100 + 1, 100)):
            past = await filled.search(SearchRequest(page=page, page_size=size, sort=sort))
            assert past.hits == [] and past.total == 5

    async def test_snippets_highlight_matches_and_escape_html(self, index: SearchIndex):
        doc = SearchDoc(id="x", title="t", body="<b>Gras</b> : plus de vélos partout.",
                        date="2024-01-01T00:00:00Z")
        await index.upsert([(doc, 1)])
        (hit,) = (await index.search(SearchRequest(query="velo"))).hits
        assert "<mark>vélos</mark>" in hit.snippet
        assert "&lt;b&gt;" in hit.snippet and "<b>" not in hit.snippet

    # -- versions -----------------------------------------------------------------------
    async def test_a_stale_upsert_is_a_no_op(self, filled: SearchIndex):
        newer = SearchDoc(id="p3", title="Tramway", body="Un tramway.", date="2024-03-03T10:00:00Z")
        await filled.upsert([(newer, 3)])
        await filled.upsert([(CORPUS[2], 2)])
        assert await self.q(filled, "tramway") == ["p3"]
        assert await self.q(filled, "bus") == []

    async def test_delete_then_a_stale_upsert_stays_deleted(self, filled: SearchIndex):
        await filled.delete([("p1", 5)])
        await filled.upsert([(CORPUS[0], 4)])
        assert "p1" not in await self.q(filled)
        await filled.upsert([(CORPUS[0], 6)])
        assert "p1" in await self.q(filled)
        assert await filled.count() == len(CORPUS)

    async def test_a_stale_delete_is_a_no_op(self, filled: SearchIndex):
        await filled.upsert([(CORPUS[0], 3)])
        await filled.delete([("p1", 2)])
        assert "p1" in await self.q(filled)

    async def test_the_same_id_twice_in_one_call_keeps_the_highest(self, index: SearchIndex):
        a = SearchDoc(id="d", title="alpha", body="", date="2024-01-01T00:00:00Z")
        b = SearchDoc(id="d", title="beta", body="", date="2024-01-01T00:00:00Z")
        await index.upsert([(b, 2), (a, 1)])
        assert await self.q(index, "beta") == ["d"] and await self.q(index, "alpha") == []
        await index.upsert([(a, 3), (b, 4)])
        assert await self.q(index, "beta") == ["d"] and await index.count() == 1

    async def test_clear_forgets_documents_and_versions(self, filled: SearchIndex):
        await filled.clear()
        assert await filled.count() == 0
        await filled.upsert([(CORPUS[0], 1)])
        assert await self.q(filled) == ["p1"]

    async def test_a_bulk_load_keeps_one_document_per_id_across_calls(self, index: SearchIndex):
        # a rebuild writes a contribution, then its later revisions, in later pages
        await index.clear()
        await index.begin_bulk()
        a = SearchDoc(id="d", title="alpha", body="", date="2024-01-01T00:00:00Z")
        b = SearchDoc(id="d", title="beta", body="", date="2024-01-01T00:00:00Z")
        await index.upsert([(a, 1), (CORPUS[0], 1)])
        await index.upsert([(b, 2)])
        await index.upsert([(a, 1)])  # stale
        await index.delete([("p1", 2)])
        await index.upsert([(CORPUS[0], 2)])  # stale after the delete
        await index.end_bulk()
        assert await self.q(index, "beta") == ["d"] and await self.q(index, "alpha") == []
        assert await index.count() == 1
        await index.upsert([(a, 3)])  # after the bulk: searchable at once again
        assert await self.q(index, "alpha") == ["d"] and await index.count() == 1

    # -- scan (exports) -----------------------------------------------------------------
    async def scan_ids(self, index: SearchIndex, request: SearchRequest,
                       batch_size: int) -> list[str]:
        got: list[str] = []
        async for docs in index.scan(request, batch_size=batch_size):
            assert 0 < len(docs) <= 2 * batch_size
            got += [d.id for d in docs]
        return got

    async def test_scan_gives_every_match_once_across_batches(self, index: SearchIndex):
        many = [SearchDoc(id=f"m{i}", title=f"Idée {i}", body="Des bancs publics"
                          + (" et des arbres" if i % 3 == 0 else ""),
                          date="2024-03-01T10:00:00Z", consultation_id=f"c{i % 2}",
                          kind="proposal") for i in range(150)]
        await index.upsert([(d, 1) for d in many])
        await index.delete([("m0", 2)])
        got = await self.scan_ids(index, SearchRequest(query="arbres",
                                                       filters={"consultation_id": ["c1"]}), 7)
        assert len(got) == len(set(got))
        assert sorted(got) == sorted(f"m{i}" for i in range(1, 150) if i % 6 == 3)
        assert len(await self.scan_ids(index, SearchRequest(sort="votes", page=3), 40)) == 149
        assert await self.scan_ids(index, SearchRequest(query="introuvable"), 7) == []

    async def test_origin_is_recorded_and_forgotten_by_clear(self, index: SearchIndex) -> None:
        assert await index.origin() == ""  # a cleared index knows no log
        await index.set_origin("log-a")
        assert await index.origin() == "log-a"
        await index.upsert([(CORPUS[0], 1)])
        await index.clear()
        assert await index.origin() == ""
