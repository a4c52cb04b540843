"""The search contract on OpenSearch: runs only against a server named by
OPENSEARCH_URL (e.g. http://127.0.0.1:9200); skipped, and says so, otherwise."""

from __future__ import annotations

import os

import pytest
from search_contract import SearchIndexContract

from services.search.port import SearchIndex

URL = os.environ.get("OPENSEARCH_URL", "")
pytestmark = pytest.mark.skipif(
    not URL, reason="OPENSEARCH_URL is not set: the OpenSearch contract run is skipped")


class TestOpenSearchIndex(SearchIndexContract):
    async def make_index(self) -> SearchIndex:
        from services.search.opensearch_index import OpenSearchIndex

        return OpenSearchIndex(URL, alias="parlons-contract")
