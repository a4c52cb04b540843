"""Public search on a consultation's pages (`/consultations/<slug>/recherche`):
published proposals, arguments and comments only (the index holds nothing else;
questionnaire answers stay with analysts), the same engine as the workspace, pages.
And the "similar proposals" hint of the proposal form: an HTML fragment htmx
fetches while the title is typed, also usable as a plain page without JavaScript."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from services.search.port import Hit, SearchIndex
from services.search.similar import similar_request
from services.search.workspace import public
from services.web import views
from services.web.deps import WebDep, web_of
from services.web.page_cache import not_kept
from services.web.rendering import public_page
from services.web.search import view as sv

PUBLIC_PAGE_SIZE = 10
PUBLIC_SORTS = ("relevance", "votes", "date")

router = APIRouter()


async def similar_hits(index: SearchIndex, consultation_id: str, title: str) -> list[Hit]:
    """Published proposals of the consultation like `title` (none for a title
    without a word worth looking for)."""
    req = similar_request(title[:500], consultation_id)
    if req is None:
        return []
    try:
        return (await index.search(req)).hits
    except Exception:  # a hint only: a refused or failed search shows no hint
        return []


async def similar_for_form(request: Request, consultation_id: str, title: str) -> list[Hit]:
    """For the proposal form's « Voir les propositions similaires » button (no
    JavaScript): no hint rather than an error when search is not installed."""
    try:
        index = sv.search_index(web_of(request))
    except HTTPException:
        return []
    return await similar_hits(index, consultation_id, title)


@router.get("/consultations/{slug}/recherche")
async def search(request: Request, web: WebDep, slug: str) -> Response:
    c = await views.slug_or_404(web.store, slug)
    params = sv.params_of(request)
    # The public page offers a query, a kind and three sorts: nothing else is read.
    allowed = {k: v for k, v in params.items() if k in ("q", "page", "sort", "f.kind")}
    outcome = sv.parsed(allowed, page_size=PUBLIC_PAGE_SIZE)
    if outcome.request.sort not in PUBLIC_SORTS:
        outcome.errors = {"__all__": "Ce tri n'existe pas.", "sort": "Ce tri n'existe pas."}
    outcome.request = public(outcome.request, c["id"])
    outcome = await sv.run(sv.search_index(web), outcome)
    not_kept(request.scope)  # the index moves apart from the read store
    return public_page(request, web.env, "search/public.html", {
        "consultation": c, "params": allowed, "req": outcome.request,
        "result": outcome.page, "errors": outcome.errors,
        "proposals_of": await sv.proposals_of(web.store, outcome.page),
        "kinds": {k: v for k, v in sv.KIND_LABELS.items() if k != "answer"},
        "sorts": {k: sv.SORT_LABELS[k] for k in PUBLIC_SORTS},
        "page_link": lambda n: sv.query_string(allowed, page=str(n))},
        status=outcome.status)


@router.get("/consultations/{slug}/propositions/similaires")
async def similar(request: Request, web: WebDep, slug: str, title: str = "") -> Response:
    c = await views.slug_or_404(web.store, slug)
    hits = await similar_hits(sv.search_index(web), c["id"], title)
    not_kept(request.scope)
    # htmx asks for the list only; without JavaScript it is a page of its own.
    template = ("search/similar_fragment.html" if request.headers.get("hx-request")
                else "search/similar.html")
    response = public_page(request, web.env, template, {
        "consultation": c, "hits": hits, "title": title[:500]})
    response.headers["Vary"] = "HX-Request"
    return response
