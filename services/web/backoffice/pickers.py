"""Pickers for the back-office forms that link published contributions: the
organiser types words, the page lists the matching published proposals with
checkboxes (no JavaScript: the same form is sent back with `action=chercher`,
nothing is stored), instead of asking for internal ids.

Matches come from the search index (French stemming, the published
contributions only), or, on a front end without one, from the public proposals
read by title, page by page until enough are found."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from services.moderation.publication import PUBLIC_PROPOSALS
from services.search.errors import SearchError
from services.search.port import SearchIndex, SearchRequest
from services.web.deps import Web

SHOWN = 20  # matches listed at once: refine the words for others
SCAN_PAGE = 500


@dataclass(frozen=True, slots=True)
class Choice:
    id: str
    title: str


@dataclass(frozen=True, slots=True)
class Found:
    choices: list[Choice]
    error: str = ""


async def find_proposals(web: Web, consultation_id: str, words: str) -> Found:
    words = words.strip()[:200]
    if not words:
        return Found([], "Indiquez des mots du titre de la proposition.")
    index = web.deps.port("search_index", SearchIndex)
    if index is None:
        return Found(await _by_title(web, consultation_id, words))
    request = SearchRequest(query=words, filters={"consultation_id": [consultation_id],
                                                  "kind": ["proposal"]}, page_size=SHOWN)
    try:
        page = await index.search(request)
    except SearchError as e:
        return Found([], str(e))
    return Found([Choice(h.doc.id, h.doc.title) for h in page.hits])


async def chosen(web: Web, consultation_id: str, ids: Sequence[str]) -> list[Choice]:
    """The proposals already ticked, with their titles (one read), in their order;
    an id that is no published proposal of the consultation is left out."""
    docs = await web.store.get_many(PUBLIC_PROPOSALS, consultation_id, list(dict.fromkeys(ids)))
    return [Choice(i, docs[i]["title"]) for i in dict.fromkeys(ids) if i in docs]


async def _by_title(web: Web, consultation_id: str, words: str) -> list[Choice]:
    wanted = _folded(words).split()
    found: list[Choice] = []
    after = None
    while len(found) < SHOWN:
        page = await web.store.list(PUBLIC_PROPOSALS, consultation_id, limit=SCAN_PAGE,
                                    after=after)
        found += [Choice(k, d["title"]) for k, d in page
                  if all(w in _folded(d["title"]) for w in wanted)]
        if len(page) < SCAN_PAGE:
            break
        after = page[-1][0]
    return found[:SHOWN]


def _folded(text: str) -> str:
    """Lower case without accents: « Vélo » matches « velo »."""
    return "".join(c for c in unicodedata.normalize("NFKD", text.casefold())
                   if not unicodedata.combining(c))
