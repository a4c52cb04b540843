"""In-memory search index: the reference behaviour of the contract, and the fake the
tests and the memory topology use. Relevance is a plain term-frequency score."""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Sequence

from services.search.analysis import stems
from services.search.port import (
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


class MemorySearchIndex(SearchIndex):
    def __init__(self) -> None:
        self._docs: dict[str, SearchDoc] = {}
        self._stems: dict[str, list[str]] = {}
        self._versions: dict[str, int] = {}  # deleted ids keep theirs (tombstones)
        self._origin = ""

    async def upsert(self, docs: Sequence[tuple[SearchDoc, int]]) -> None:
        for doc, version in docs:
            if version <= self._versions.get(doc.id, 0):
                continue
            self._versions[doc.id] = version
            self._docs[doc.id] = doc
            self._stems[doc.id] = stems(f"{doc.title} {doc.body}")

    async def delete(self, ids: Sequence[tuple[str, int]]) -> None:
        for doc_id, version in ids:
            if version <= self._versions.get(doc_id, 0):
                continue
            self._versions[doc_id] = version
            self._docs.pop(doc_id, None)
            self._stems.pop(doc_id, None)

    async def count(self) -> int:
        return len(self._docs)

    async def _from_hash(self, node: Node, req: SearchRequest, low: int,
                         limit: int) -> list[tuple[int, SearchDoc]]:
        matched = [(self.hash_of(d.id), d) for doc_id, d in self._docs.items()
                   if all(d.facet(f) in values for f, values in req.filters.items())
                   and _score(node, self._stems[doc_id]) > 0]
        return sorted((hd for hd in matched if hd[0] >= low), key=lambda hd: hd[0])[:limit]

    def hash_of(self, doc_id: str) -> int:
        """The id hash (a method, so a test can force collisions)."""
        return id_hash(doc_id)

    async def origin(self) -> str:
        return self._origin

    async def set_origin(self, origin: str) -> None:
        self._origin = origin

    async def clear(self) -> None:
        self._origin = ""
        self._docs.clear()
        self._stems.clear()
        self._versions.clear()

    async def search(self, request: SearchRequest) -> SearchPage:
        node, req = request.checked()
        matched: list[tuple[float, SearchDoc]] = []
        for doc_id, doc in self._docs.items():
            if not all(doc.facet(f) in values for f, values in req.filters.items()):
                continue
            score = _score(node, self._stems[doc_id])
            if score > 0:
                matched.append((score, doc))
        facets = {name: Counter(d.facet(name) for _, d in matched if d.facet(name))
                  for name in req.facets}
        matched.sort(key=_sort_key(req), reverse=req.sort != "random")
        start = (req.page - 1) * req.page_size
        wanted = positive_stems(node)
        shown = matched[start:start + req.page_size] \
            if start + req.page_size <= MAX_RESULT_WINDOW else []
        hits = [Hit(d, snippet(d.body or d.title, wanted)) for _, d in shown]
        return SearchPage(
            total=len(matched), hits=hits, page=req.page, page_size=req.page_size,
            facets={n: sorted(c.items(), key=lambda kv: (-kv[1], kv[0]))[:MAX_FACET_VALUES]
                    for n, c in facets.items()})


def id_hash(doc_id: str) -> int:
    """A 63-bit hash of the id that adapters store next to the document."""
    return int.from_bytes(hashlib.blake2b(doc_id.encode(), digest_size=8).digest()) >> 1


def random_key(seed: int, doc_hash: int) -> int:
    """The order of `sort=random`: the stored id hash XOR a mask drawn from the seed,
    a different permutation per seed that an index can compute from a stored number."""
    return doc_hash ^ id_hash(f"seed:{seed}")


def _sort_key(req: SearchRequest):  # type: ignore[no-untyped-def]
    if req.sort == "votes":
        return lambda sd: (sd[1].votes, sd[1].date, sd[1].id)
    if req.sort == "date":
        return lambda sd: (sd[1].date, sd[1].id)
    if req.sort == "random":
        return lambda sd: random_key(req.seed, id_hash(sd[1].id))
    return lambda sd: (sd[0], sd[1].date, sd[1].id)


def _score(node: Node, doc: list[str]) -> float:
    """0 when `doc` does not match; otherwise how many query words it holds."""
    if isinstance(node, MatchAll):
        return 1.0
    if isinstance(node, Term):
        return float(doc.count(node.stem))
    if isinstance(node, Phrase):
        n = len(node.stems)
        return float(sum(1 for i in range(len(doc) - n + 1)
                         if tuple(doc[i:i + n]) == node.stems))
    if isinstance(node, Not):
        return 0.0 if _score(node.part, doc) > 0 else 1.0
    scores = [_score(p, doc) for p in node.parts]
    if isinstance(node, And):
        positives = [s for p, s in zip(node.parts, scores, strict=True) if not isinstance(p, Not)]
        return sum(positives) if all(s > 0 for s in scores) else 0.0
    assert isinstance(node, Or)
    return sum(scores)
