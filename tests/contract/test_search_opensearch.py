"""The search contract on OpenSearch: runs only against a server named by
OPENSEARCH_URL; skipped, and says so, otherwise.

    docker run -d --name parlons-opensearch -p 9200:9200 -e discovery.type=single-node \
        -e DISABLE_SECURITY_PLUGIN=true opensearchproject/opensearch:2
    OPENSEARCH_URL=http://127.0.0.1:9200 \
        .venv/bin/pytest -q tests/contract/test_search_opensearch.py

A secured server: OPENSEARCH_URL=https://..., OPENSEARCH_USERNAME / OPENSEARCH_PASSWORD,
OPENSEARCH_CA_CERTS (or OPENSEARCH_VERIFY_CERTS=false for a self-signed dev server)."""

from __future__ import annotations

import os

import pytest
from search_contract import CORPUS, SearchIndexContract

from services.search.port import SearchIndex, SearchRequest

URL = os.environ.get("OPENSEARCH_URL", "")
pytestmark = pytest.mark.skipif(
    not URL, reason="OPENSEARCH_URL is not set: the OpenSearch contract run is skipped")


def make(alias: str = "parlons-contract") -> SearchIndex:
    from services.search.opensearch_index import OpenSearchIndex

    env = os.environ.get
    return OpenSearchIndex(URL, alias=alias, username=env("OPENSEARCH_USERNAME"),
                           password=env("OPENSEARCH_PASSWORD"), ca_certs=env("OPENSEARCH_CA_CERTS"),
                           verify_certs=env("OPENSEARCH_VERIFY_CERTS", "true").lower()
                           not in ("0", "false", "no"))


def drop_series(client: object, alias: str) -> None:
    """By name: a server may refuse wildcard deletes (action.destructive_requires_name)."""
    for name in client.indices.get(index=f"{alias}-v*"):  # type: ignore[attr-defined]
        client.indices.delete(index=name)  # type: ignore[attr-defined]


class TestOpenSearchIndex(SearchIndexContract):
    async def make_index(self) -> SearchIndex:
        return make()


async def test_the_index_analyses_french_and_survives_a_restart_mid_creation() -> None:
    """Server-side, beyond the contract: the versioned index behind the alias has
    the French analyzer of the template, and a store starting while an index of
    its series exists without the alias (a crash between the two steps) adopts it."""
    from services.search.opensearch_index import OpenSearchIndex

    alias = "parlons-contract-start"
    first = make(alias)
    assert isinstance(first, OpenSearchIndex)
    client = first._client
    await first.start()  # puts the template (and creates -v1 behind the alias)
    drop_series(client, alias)  # the alias goes with its index
    client.indices.create(index=f"{alias}-v4")  # what a crash left: an index, no alias
    index = make(alias)
    try:
        await index.start()
        assert list(client.indices.get_alias(name=alias)) == [f"{alias}-v4"]
        tokens = client.indices.analyze(index=alias, body={
            "analyzer": "parlons_french", "text": "L'Électricité des écoles"})
        words = [t["token"] for t in tokens["tokens"]]  # elided, folded, stemmed
        assert words[0].startswith("electricit") and words[-1].startswith("ecol")
        assert all(w.isascii() and w == w.lower() and "'" not in w for w in words)
        await index.upsert([(CORPUS[0], 1)])
        page = await index.search(SearchRequest(page=600, page_size=20))  # past the window
        assert page.hits == [] and page.total == 1
    finally:
        drop_series(client, alias)
        await index.close()
        await first.close()
