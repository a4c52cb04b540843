"""The OpenSearch adapter's requests, checked without a server (the contract run
against one is tests/contract/test_search_opensearch.py, skipped unless
OPENSEARCH_URL is set)."""

from __future__ import annotations

import pytest

from services.search.errors import SearchUnavailable
from services.search.opensearch_index import (
    MAX_RESULT_WINDOW,
    OpenSearchIndex,
    client_options,
)
from services.search.port import SearchRequest
from services.search.query import parse


def test_credentials_tls_and_several_hosts() -> None:
    options = client_options("https://os-1:9200, https://os-2:9200", username="parlons",
                             password="s3cret", ca_certs="/etc/ca.pem")
    assert options["hosts"] == ["https://os-1:9200", "https://os-2:9200"]
    assert options["http_auth"] == ("parlons", "s3cret")
    assert options["ca_certs"] == "/etc/ca.pem" and options["verify_certs"] is True
    plain = client_options("http://127.0.0.1:9200")
    assert "http_auth" not in plain and plain["retry_on_timeout"] is True


def test_a_page_past_the_result_window_asks_only_for_the_total() -> None:
    index = OpenSearchIndex("http://127.0.0.1:9")
    inside = index._body(parse(""), SearchRequest(page=3, page_size=20))
    assert (inside["from"], inside["size"]) == (40, 20)
    last = MAX_RESULT_WINDOW // 20
    edge = index._body(parse(""), SearchRequest(page=last, page_size=20))
    assert edge["from"] + edge["size"] == MAX_RESULT_WINDOW
    beyond = index._body(parse(""), SearchRequest(page=last + 1, page_size=20))
    assert (beyond["from"], beyond["size"]) == (0, 0) and beyond["track_total_hits"] is True


@pytest.mark.parametrize("call", ["search", "count", "clear", "origin"])
async def test_every_call_out_of_reach_is_unavailable(call: str) -> None:
    index = OpenSearchIndex("http://127.0.0.1:9")  # the discard port: nobody listens
    index._ready = True  # past start(): the call itself must translate the error
    args = (SearchRequest(),) if call == "search" else ()
    with pytest.raises(SearchUnavailable):
        await getattr(index, call)(*args)
