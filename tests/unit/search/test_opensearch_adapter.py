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


def test_bulk_item_errors_stale_missing_alias_busy_or_refused(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Per-item answers of a bulk call, as the server words them."""
    from opensearchpy import helpers

    index = OpenSearchIndex("http://127.0.0.1:9")
    answers: list[list[dict[str, object]]] = []
    monkeypatch.setattr(helpers, "bulk", lambda *a, **kw: (0, answers.pop(0)))

    def item(status: int, kind: str) -> dict[str, object]:
        return {"index": {"_id": "p1", "status": status, "error": {"type": kind}}}

    answers.append([item(409, "version_conflict_engine_exception")])
    index._bulk([("p1", 1, {})])  # a stale version: the no-op the port wants
    index._ready = True
    answers.append([item(404, "index_not_found_exception")])
    with pytest.raises(SearchUnavailable, match="no index"):
        index._bulk([("p1", 1, {})])
    assert index._ready is False  # the next call puts the alias back
    answers.append([item(429, "es_rejected_execution_exception")])
    with pytest.raises(SearchUnavailable):
        index._bulk([("p1", 1, {})])
    answers.append([item(400, "strict_dynamic_mapping_exception")])
    with pytest.raises(ValueError, match="refused"):
        index._bulk([("p1", 1, {})])
