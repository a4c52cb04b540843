"""JSON API of the search service.

- `GET /api/search?q=...&consultation_id=...`: public search, published proposals,
  arguments and comments of published consultations only (a draft's id: 404).
- `GET /api/search/analyse?consultation_id=...`: the analyst workspace (every kind,
  facets), for whoever the identity service's role policy lets analyse it.
- `GET /api/search/analyse/export.csv?...`: the result set as CSV, streamed.
- `GET /api/search/similaires?consultation_id=...&titre=...`: proposals like the one
  being typed (the "similar proposals" hint).
Filters are `f.<facet>=value` (repeatable), facets `facet=<name>`. Bad input is a 400
with a French message, never a 500.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import StreamingResponse

from services.apikit.deps import Analyst, StateDep, StoreDep
from services.consultation.queries import public_ids, public_or_404
from services.core.participants import AnalystContext
from services.search.errors import SearchError
from services.search.port import SearchIndex, SearchPage, SearchRequest
from services.search.similar import similar_request
from services.search.workspace import export_csv, public, request_from
from services.store.port import ReadStore


async def search_index(state: StateDep) -> SearchIndex:
    index = state.port("search_index", SearchIndex)
    if index is None:
        raise HTTPException(503, "La recherche n'est pas disponible.")
    return index


Index = Annotated[SearchIndex, Depends(search_index)]


router = APIRouter(prefix="/api/search", tags=["search"])


@router.get("")
async def public_search(request: Request, index: Index, store: StoreDep,
                        consultation_id: str = "") -> dict[str, Any]:
    req = await _public_request(_parsed(request), store, consultation_id)
    return _json(await _run(index, req))


@router.get("/similaires")
async def similar(index: Index, store: StoreDep,
                  consultation_id: Annotated[str, Query(max_length=100)],
                  titre: Annotated[str, Query(max_length=500)] = "") -> dict[str, Any]:
    await public_or_404(store, consultation_id)
    req = similar_request(titre, consultation_id)
    if req is None:
        return {"total": 0, "hits": []}
    return _json(await _run(index, req))


@router.get("/analyse")
async def analyse(request: Request, index: Index, who: Analyst,
                  consultation_id: str = "") -> dict[str, Any]:
    req = _analyst_request(request, who, consultation_id)
    return _json(await _run(index, req))


@router.get("/analyse/export.csv")
async def export(request: Request, index: Index, who: Analyst,
                 consultation_id: str = "") -> StreamingResponse:
    req = _analyst_request(request, who, consultation_id)
    await _run(index, req)  # refuse bad input with a 400 before streaming starts
    return StreamingResponse(
        export_csv(index, req), media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="recherche.csv"'})


def _analyst_request(request: Request, who: AnalystContext,
                     consultation_id: str) -> SearchRequest:
    if not who.may_read(consultation_id):
        raise HTTPException(403, "Il faut le rôle d'analyste sur cette consultation.")
    req = _parsed(request)
    return SearchRequest(query=req.query, sort=req.sort, seed=req.seed, page=req.page,
                         page_size=req.page_size, facets=req.facets,
                         filters={**req.filters, "consultation_id": [consultation_id]})


async def _public_request(req: SearchRequest, store: ReadStore,
                          consultation_id: str) -> SearchRequest:
    """The public's search: the contributions the index holds (published ones) of
    the consultations published now. A draft's, or one's unpublished since, are
    not the public's (404 when asked by id; left out otherwise); the analysts'
    search keeps them."""
    if consultation_id:
        await public_or_404(store, consultation_id)
        return public(req, consultation_id)
    req = public(req, None)
    shown = await public_ids(store)
    asked = [c for c in req.filters.get("consultation_id", shown) if c in set(shown)]
    return replace(req, filters={**req.filters, "consultation_id": asked or ["none"]})


def _parsed(request: Request) -> SearchRequest:
    params = {k: request.query_params.getlist(k) for k in request.query_params}
    try:
        return request_from(params)
    except ValueError:
        raise HTTPException(400, "Les paramètres numériques (page, size, seed) sont invalides."
                            ) from None


async def _run(index: SearchIndex, req: SearchRequest) -> SearchPage:
    try:
        return await index.search(req)
    except SearchError as exc:
        raise HTTPException(400, str(exc)) from None


def _json(page: SearchPage) -> dict[str, Any]:
    return {
        "total": page.total, "page": page.page, "page_size": page.page_size,
        "pages": page.pages,
        "hits": [{"id": h.doc.id, "kind": h.doc.kind, "title": h.doc.title,
                  "snippet": h.snippet, "date": h.doc.date, "votes": h.doc.votes,
                  "consultation_id": h.doc.consultation_id, "theme_id": h.doc.theme_id,
                  "question_id": h.doc.question_id, "departement": h.doc.departement,
                  "region": h.doc.region, "identity_level": h.doc.identity_level,
                  "status": h.doc.status} for h in page.hits],
        "facets": {name: [{"value": v, "count": n} for v, n in counts]
                   for name, counts in page.facets.items()},
    }
