"""The distributed search index (OpenSearch, through opensearch-py).

- An index template gives every `<alias>-v<N>` index the mapping and a French analyzer
  (elision, lower case, ASCII folding, French stemmer) on the raw title and body; the
  query language runs on `text`, the stems of `services.search.analysis` (the same
  words as tantivy and the fake, whatever the server's analyzer version).
- Clients use the alias; `clear()` creates the next versioned index, moves the alias
  and drops the old one (a rebuild never shows a half-empty index under the alias).
- Bulk writes with `version_type=external`: the server refuses a version not above the
  one it holds (409, ignored here), which makes stale writes no-ops. Deletes write a
  tombstone (`alive: false`) with its version, for the same reason after a delete.
- `refresh=wait_for`: searchable when the call returns (at the next refresh, within
  the index's refresh interval, 1 s by default), without forcing a refresh per call.
- Every call goes through `_translated`: no connection, a timeout, 429 or 5xx become
  SearchUnavailable (a worker retries); a request the server refuses stays an error.
- Creating the versioned index tolerates one that exists already (two processes
  starting together, or a crash between creating it and pointing the alias at it).
- A page past the server's result window (`index.max_result_window`, 10,000 hits)
  is an empty page with the true total, as the port says, not a 400.
- Credentials and TLS come from the caller (services/runtime/adapters.py reads
  OPENSEARCH_USERNAME, OPENSEARCH_PASSWORD, OPENSEARCH_CA_CERTS, OPENSEARCH_VERIFY_CERTS);
  an `https://` URL turns TLS on, with certificates verified unless told otherwise.

Its contract run needs OPENSEARCH_URL (tests/contract/test_search_opensearch.py; ADR 0061).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import asdict, replace
from typing import Any, TypeVar

from services.search.analysis import normalised
from services.search.errors import SearchUnavailable
from services.search.memory import id_hash
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

T = TypeVar("T")

TEMPLATE: dict[str, Any] = {
    "settings": {
        "analysis": {
            "filter": {
                "fr_elision": {"type": "elision", "articles_case": True,
                               "articles": ["l", "m", "t", "qu", "n", "s", "j", "d", "c"]},
                "fr_stemmer": {"type": "stemmer", "language": "light_french"},
            },
            "analyzer": {
                "parlons_french": {"tokenizer": "standard", "filter": [
                    "fr_elision", "lowercase", "asciifolding", "fr_stemmer"]},
            },
        },
    },
    "mappings": {
        "dynamic": "strict",
        "properties": {
            "alive": {"type": "boolean"},
            "idhash": {"type": "long"},
            "votes": {"type": "long"},
            "date": {"type": "date"},
            "text": {"type": "text", "analyzer": "whitespace"},
            "title": {"type": "text", "analyzer": "parlons_french"},
            "body": {"type": "text", "analyzer": "parlons_french"},
            "doc": {"type": "object", "enabled": False},
            **{name: {"type": "keyword"} for name in FACETS},
        },
    },
}


def client_options(url: str, *, username: str | None = None, password: str | None = None,
                   ca_certs: str | None = None, verify_certs: bool = True,
                   timeout_s: float = 10.0) -> dict[str, Any]:
    """Keyword arguments of `opensearchpy.OpenSearch`: one or more comma-separated
    URLs (an https one turns TLS on), basic auth, the CA bundle to trust. Retries
    on timeouts are safe: every write carries an external version."""
    options: dict[str, Any] = {
        "hosts": [u.strip() for u in url.split(",") if u.strip()], "timeout": timeout_s,
        "max_retries": 2, "retry_on_timeout": True, "http_compress": True,
        "verify_certs": verify_certs, "ssl_show_warn": verify_certs,
    }
    if username:
        options["http_auth"] = (username, password or "")
    if ca_certs:
        options["ca_certs"] = ca_certs
    return options


class OpenSearchIndex(SearchIndex):
    def __init__(self, url: str, *, alias: str = "parlons-search", username: str | None = None,
                 password: str | None = None, ca_certs: str | None = None,
                 verify_certs: bool = True) -> None:
        from opensearchpy import OpenSearch

        self._client = OpenSearch(**client_options(
            url, username=username, password=password, ca_certs=ca_certs,
            verify_certs=verify_certs))
        self.alias = alias
        self._ready = False

    async def start(self) -> None:
        """Template and alias; also run by the first call (the container starts only
        the log and the store)."""
        if not self._ready:
            await asyncio.to_thread(_translated, self._ensure)
            self._ready = True

    async def close(self) -> None:
        await asyncio.to_thread(self._client.close)

    def _ensure(self) -> None:
        c = self._client
        c.indices.put_index_template(name=self.alias, body={
            "index_patterns": [f"{self.alias}-v*"], "template": TEMPLATE})
        if not c.indices.exists_alias(name=self.alias):
            first = f"{self.alias}-v{self._last_number() or 1}"
            self._create(first)
            c.indices.update_aliases(body={"actions": [
                {"add": {"index": first, "alias": self.alias}}]})

    def _create(self, index: str) -> None:
        """Create `index` (from the template); one that exists already is fine."""
        from opensearchpy.exceptions import RequestError

        try:
            self._client.indices.create(index=index)
        except RequestError as exc:
            if exc.error != "resource_already_exists_exception":
                raise

    def _last_number(self) -> int:
        """The highest N of the `<alias>-v<N>` indices there are (0: none)."""
        names = self._client.indices.get(index=f"{self.alias}-v*", allow_no_indices=True,
                                         ignore_unavailable=True)
        return max((int(n.rsplit("-v", 1)[1]) for n in names
                    if n.rsplit("-v", 1)[1].isdecimal()), default=0)

    async def clear(self) -> None:
        await self.start()
        def clear() -> None:
            c = self._client
            current = sorted(c.indices.get_alias(name=self.alias))
            fresh = f"{self.alias}-v{self._last_number() + 1}"
            self._create(fresh)
            c.indices.update_aliases(body={"actions": [
                *({"remove": {"index": n, "alias": self.alias}} for n in current),
                {"add": {"index": fresh, "alias": self.alias}}]})
            # the old index, and any a crash left behind the alias's back
            stale = [n for n in c.indices.get(index=f"{self.alias}-v*") if n != fresh]
            for n in stale:
                c.indices.delete(index=n, ignore_unavailable=True)
        await asyncio.to_thread(_translated, clear)

    async def origin(self) -> str:
        """In the `_meta` of the index behind the alias (a cleared index is a new one)."""
        await self.start()

        def read() -> str:
            mappings: dict[str, Any] = self._client.indices.get_mapping(index=self.alias)
            for index in mappings.values():
                return str(index.get("mappings", {}).get("_meta", {}).get("parlons_origin", ""))
            return ""
        return await asyncio.to_thread(_translated, read)

    async def set_origin(self, origin: str) -> None:
        await self.start()
        await asyncio.to_thread(_translated, self._client.indices.put_mapping,
                                index=self.alias, body={"_meta": {"parlons_origin": origin}})

    async def upsert(self, docs: Sequence[tuple[SearchDoc, int]]) -> None:
        await self.start()
        await asyncio.to_thread(self._bulk, [(d.id, v, _source(d)) for d, v in docs])

    async def delete(self, ids: Sequence[tuple[str, int]]) -> None:
        await self.start()
        await asyncio.to_thread(self._bulk, [
            (i, v, {"alive": False, "idhash": id_hash(i)}) for i, v in ids])

    def _bulk(self, ops: list[tuple[str, int, dict[str, Any]]]) -> None:
        from opensearchpy import helpers

        # the highest version of an id within one call first: the others then conflict
        ops = sorted(ops, key=lambda op: -op[1])
        actions = [{"_op_type": "index", "_index": self.alias, "_id": i, "version": v,
                    "version_type": "external", "_source": src} for i, v, src in ops]
        # require_alias: a write never auto-creates a concrete index without the
        # French mapping if the alias went missing; it fails instead
        _, errors = _translated(helpers.bulk, self._client, actions, refresh="wait_for",
                                require_alias=True, raise_on_error=False)
        real = [e for e in errors if _status(next(iter(e.values()))) != 409]
        if any(_error_type(next(iter(e.values()))) == "index_not_found_exception"
               for e in real):
            # the alias is gone (an index deleted by hand, a clear() half done): not
            # the events' fault; the next call's start() puts it back
            self._ready = False
            raise SearchUnavailable(f"bulk indexing: no index behind {self.alias}")
        if any(_busy_or_failing(_status(next(iter(e.values())))) for e in real):
            raise SearchUnavailable(f"bulk indexing failed: {real[:3]}")
        if real:  # documents the server refuses (a mapping error): the events' fault
            raise ValueError(f"bulk indexing refused: {real[:3]}")

    async def count(self) -> int:
        await self.start()
        found = await asyncio.to_thread(_translated, self._client.count, index=self.alias,
                                        body={"query": {"term": {"alive": True}}})
        return int(found["count"])

    async def search(self, request: SearchRequest) -> SearchPage:
        await self.start()
        node, req = request.checked()
        body = self._body(node, req)
        found = await asyncio.to_thread(_translated, self._client.search, index=self.alias,
                                        body=body)
        wanted = positive_stems(node)
        hits = [SearchDoc(**h["_source"]["doc"]) for h in found["hits"]["hits"]]
        facets = {name: [(b["key"], int(b["doc_count"])) for b in
                         found["aggregations"][name]["buckets"]][:MAX_FACET_VALUES]
                  for name in req.facets}
        return SearchPage(total=int(found["hits"]["total"]["value"]),
                          hits=[Hit(d, snippet(d.body or d.title, wanted)) for d in hits],
                          facets=facets, page=req.page, page_size=req.page_size)

    async def _from_hash(self, node: Node, req: SearchRequest, low: int,
                         limit: int) -> list[tuple[int, SearchDoc]]:
        await self.start()
        body = self._body(node, replace(req, page=1, facets=(), sort="relevance"))
        body["query"]["bool"]["filter"].append({"range": {"idhash": {"gte": low}}})
        body.update(sort=[{"idhash": "asc"}], size=limit, track_total_hits=False)
        found = await asyncio.to_thread(_translated, self._client.search, index=self.alias,
                                        body=body)
        return [(int(h["_source"]["idhash"]), SearchDoc(**h["_source"]["doc"]))
                for h in found["hits"]["hits"]]

    def _body(self, node: Node, req: SearchRequest) -> dict[str, Any]:
        filters: list[dict[str, Any]] = [{"term": {"alive": True}}]
        filters += [{"terms": {name: list(values)}} for name, values in req.filters.items()]
        query: dict[str, Any] = {"bool": {"must": [_clause(node)], "filter": filters}}
        sort: list[Any] = ["_score", {"date": "desc"}]
        if req.sort == "votes":
            sort = [{"votes": "desc"}, {"date": "desc"}]
        elif req.sort == "date":
            sort = [{"date": "desc"}]
        elif req.sort == "random":
            query = {"function_score": {"query": query, "boost_mode": "replace",
                                        "random_score": {"seed": req.seed, "field": "idhash"}}}
            sort = ["_score", {"idhash": "asc"}]
        start = (req.page - 1) * req.page_size
        # past the result window (the port's, OpenSearch's default
        # index.max_result_window) the server answers 400: ask for the total only
        size = req.page_size if start + req.page_size <= MAX_RESULT_WINDOW else 0
        return {"query": query, "sort": sort, "from": start if size else 0,
                "size": size, "track_total_hits": True,
                "aggs": {n: {"terms": {"field": n, "size": MAX_FACET_VALUES,
                                       "min_doc_count": 1}} for n in req.facets}}


def _translated(call: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run a driver call; no connection, a timeout, or the server busy or failing
    becomes SearchUnavailable, which a worker retries (ADR 0031). Anything else (a
    request the server refuses) stays what it is."""
    from opensearchpy.exceptions import ConnectionError as NoConnection
    from opensearchpy.exceptions import TransportError

    try:
        return call(*args, **kwargs)
    except NoConnection as exc:  # ConnectionTimeout and SSLError included
        raise SearchUnavailable(f"opensearch: {exc}") from exc
    except TransportError as exc:
        if _busy_or_failing(exc.status_code):
            raise SearchUnavailable(f"opensearch: {exc}") from exc
        raise


def _status(item: dict[str, Any]) -> object:
    return item.get("status")


def _error_type(item: dict[str, Any]) -> object:
    error = item.get("error")
    return error.get("type") if isinstance(error, dict) else None


def _busy_or_failing(status: object) -> bool:
    return isinstance(status, int) and (status == 429 or status >= 500)


def _clause(node: Node) -> dict[str, Any]:
    if isinstance(node, MatchAll):
        return {"match_all": {}}
    if isinstance(node, Term):
        return {"term": {"text": node.stem}}
    if isinstance(node, Phrase):
        return {"match_phrase": {"text": " ".join(node.stems)}}
    if isinstance(node, Not):
        return {"bool": {"must_not": [_clause(node.part)]}}
    if isinstance(node, And):
        return {"bool": {
            "must": [_clause(p) for p in node.parts if not isinstance(p, Not)] or [
                {"match_all": {}}],
            "must_not": [_clause(p.part) for p in node.parts if isinstance(p, Not)]}}
    assert isinstance(node, Or)
    return {"bool": {"should": [_clause(p) for p in node.parts], "minimum_should_match": 1}}


def _source(doc: SearchDoc) -> dict[str, Any]:
    return {"alive": True, "idhash": id_hash(doc.id), "votes": doc.votes, "date": doc.date,
            "text": normalised(f"{doc.title} {doc.body}"), "title": doc.title,
            "body": doc.body, "doc": asdict(doc),
            **{name: doc.facet(name) for name in FACETS if doc.facet(name)}}
