"""The search index port.

Contract (tests/contract/search_contract.py, run on every adapter):
- `upsert`/`delete` carry an external version per document id: a write whose version
  is not above the one the index holds for that id (live or deleted) is a no-op, so
  redelivered or out-of-order writes leave the index as in-order delivery would.
  Writes are searchable once the call returns.
- `search` accepts the query language of `services.search.query` (phrases, AND/OR,
  exclusion), exact-value filters on FACETS, facet counts, a sort in SORTS (`random`
  is deterministic for a given seed), highlighted snippets, pages. Unknown facet or
  sort fields raise UnknownField, malformed queries QuerySyntaxError; a page past the
  end is an empty page. Pages go through the first MAX_RESULT_WINDOW hits only (as
  OpenSearch does): a page starting past them is an empty page with the true total,
  and a page number no page could reach (above MAX_RESULT_WINDOW) raises UnknownField
  (an adapter asked for page 10^9 sized a heap of 10^10 hits: the process aborted).
  Every hit is read by `scan`.
- `scan` yields every match of a request exactly once, batch by batch, in id-hash
  order, without offsets: an export of 500,000 rows costs as many batches, each as
  cheap as the first (offset paging costs grow with the offset: quadratic overall).
- `clear()` forgets everything (a rebuild from the log starts there). Between
  `begin_bulk()` and `end_bulk()` (a rebuild) writes may become searchable and
  durable only at `end_bulk`: an adapter may then commit in a few large steps.
- `origin()` is what the last `set_origin` recorded -- the identity of the log the
  index is built from (ADR 0032) -- kept across restarts; "" when never recorded
  or since `clear()`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass, field

from services.search.errors import UnknownField
from services.search.query import Node, parse

# Exact-value fields one may filter on and count.
FACETS = ("consultation_id", "kind", "phase_id", "question_id", "theme_id", "commune",
          "departement", "region", "identity_level", "status")
SORTS = ("relevance", "votes", "date", "random")
MAX_PAGE_SIZE = 100
MAX_RESULT_WINDOW = 10_000  # hits a result set is paged through, at most
PAST_THE_WINDOW = ("Les résultats se parcourent jusqu'à la page "
                   f"{MAX_RESULT_WINDOW:_} au plus : précisez la recherche.").replace("_", "\u202f")
MAX_FACET_VALUES = 50


@dataclass(frozen=True, slots=True)
class SearchDoc:
    id: str
    title: str
    body: str
    date: str  # ISO 8601 UTC, sortable as text
    votes: int = 0
    consultation_id: str = ""
    kind: str = ""  # proposal | argument | comment | answer
    phase_id: str = ""
    question_id: str = ""
    theme_id: str = ""
    commune: str = ""
    departement: str = ""
    region: str = ""
    identity_level: str = ""
    status: str = ""  # moderation status: approved | published (post-moderated, unreviewed)

    def facet(self, name: str) -> str:
        value: str = getattr(self, name)
        return value


@dataclass(frozen=True, slots=True)
class SearchRequest:
    query: str = ""
    filters: Mapping[str, Sequence[str]] = field(default_factory=dict)  # OR within a field
    facets: Sequence[str] = ()
    sort: str = "relevance"
    seed: int = 0
    page: int = 1
    page_size: int = 20

    def checked(self) -> tuple[Node, SearchRequest]:
        """The parsed query, after refusing unknown fields and pages out of reach
        (the same errors everywhere)."""
        for name in [*self.filters, *self.facets]:
            if name not in FACETS:
                raise UnknownField(f"Le champ « {name} » ne peut pas servir de filtre.")
        if self.sort not in SORTS:
            raise UnknownField(f"Le tri « {self.sort} » n'existe pas.")
        if self.page < 1 or not 1 <= self.page_size <= MAX_PAGE_SIZE:
            raise UnknownField("Page ou taille de page invalide.")
        if self.page > MAX_RESULT_WINDOW:
            raise UnknownField(PAST_THE_WINDOW)
        return parse(self.query), self


@dataclass(frozen=True, slots=True)
class Hit:
    doc: SearchDoc
    snippet: str  # HTML: escaped text with <mark> around matching words


@dataclass(frozen=True, slots=True)
class SearchPage:
    total: int
    hits: list[Hit]
    facets: dict[str, list[tuple[str, int]]]  # value counts, most frequent first
    page: int
    page_size: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))


class SearchIndex(ABC):
    @abstractmethod
    async def upsert(self, docs: Sequence[tuple[SearchDoc, int]]) -> None:
        """Write (doc, version) pairs; stale versions are ignored."""

    @abstractmethod
    async def delete(self, ids: Sequence[tuple[str, int]]) -> None:
        """Remove (id, version) pairs; a later upsert needs a higher version."""

    @abstractmethod
    async def search(self, request: SearchRequest) -> SearchPage: ...

    @abstractmethod
    async def count(self) -> int:
        """Live documents."""

    async def scan(self, request: SearchRequest,
                   batch_size: int = 1000) -> AsyncIterator[list[SearchDoc]]:
        """Every match of `request` (sort, page and facets ignored) once, in batches.

        Keyset paging on the 63-bit id hash: each batch asks for hashes >= the last
        one seen and drops the ids already given at that hash, so even colliding
        hashes neither repeat nor skip a document."""
        node, req = request.checked()
        low, given_at_low = 0, set[str]()
        while True:
            limit = batch_size + len(given_at_low)
            batch = await self._from_hash(node, req, low, limit)
            fresh = [(h, d) for h, d in batch if not (h == low and d.id in given_at_low)]
            if fresh:
                yield [d for _, d in fresh]
            if len(batch) < limit or not fresh:
                return
            top = fresh[-1][0]
            at_top = {d.id for h, d in fresh if h == top}
            given_at_low = at_top | given_at_low if top == low else at_top
            low = top

    @abstractmethod
    async def _from_hash(self, node: Node, req: SearchRequest, low: int,
                         limit: int) -> list[tuple[int, SearchDoc]]:
        """Up to `limit` matches whose id hash is >= `low`, as (hash, doc) by hash."""

    @abstractmethod
    async def clear(self) -> None: ...

    async def begin_bulk(self) -> None:
        """A bulk load starts (see the module docstring). Nothing by default."""

    async def end_bulk(self) -> None:
        """The bulk load is over: all it wrote is searchable and durable once this
        returns. Nothing by default."""

    @abstractmethod
    async def origin(self) -> str:
        """The log the index was built from ("" if unknown); see the module docstring."""

    @abstractmethod
    async def set_origin(self, origin: str) -> None: ...

    async def start(self) -> None:
        """Open files or connections (optional)."""

    async def close(self) -> None:
        """Release them (optional)."""
