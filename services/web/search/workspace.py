"""The analyst workspace (`/admin/analyse/<cid>`): query form, facets as checkboxes,
filters, sorts, highlighted snippets, pages, the CSV export link and the team's
saved searches. The identity guard lets in `analyst`, `organiser` or `admin` on
<cid> (and the platform admin); the routes check it again, so they stay closed
on an app without the guard. Every POST carries the CSRF token; no JavaScript."""

from __future__ import annotations

import contextlib
from dataclasses import replace
from typing import Any
from urllib.parse import parse_qs, quote

from fastapi import APIRouter
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response, StreamingResponse

from services.consultation.queries import QUESTIONNAIRES
from services.core.errors import ConcurrencyConflict, DomainError, NotFound
from services.core.ids import new_id
from services.identity.queries import Capability
from services.search.port import SearchRequest
from services.search.saved import SAVED, DeleteSavedSearch, SaveSearch, kept_params
from services.search.workspace import export_csv
from services.store.paging import whole_partition
from services.store.port import Doc
from services.web import views
from services.web.backoffice.guard import BACK_OFFICE
from services.web.deps import Web, WebDep
from services.web.forms import admin_page, checked_form, text
from services.web.search import view as sv
from services.web.session import holder_of

SAVED_SHOWN = 100  # saved searches a page, the latest first
SAVED_AFTER = "recherches_apres"  # their pages' keyset parameter (the results have `page`)

router = APIRouter(dependencies=BACK_OFFICE)


def base(cid: str) -> str:
    return f"/admin/analyse/{cid}"


async def workspace_page(web: Web, request: Request, cid: str, params: dict[str, list[str]],
                         *, errors: dict[str, str] | None = None,
                         name: str = "") -> Response:
    outcome = sv.parsed(params)
    req = outcome.request
    outcome.request = SearchRequest(
        query=req.query, sort=req.sort, seed=req.seed, page=req.page,
        page_size=req.page_size, facets=sv.WORKSPACE_FACETS,
        filters={**req.filters, "consultation_id": [cid]})
    outcome = await sv.run(sv.search_index(web), outcome)
    if errors:
        outcome.errors = {**outcome.errors, **errors}
    # a page of the team's saved searches (their latest 100 only were listed: the
    # others could be neither opened nor deleted)
    after = views.keyset_after(request, SAVED_AFTER)
    saved, next_key = views.keyset_cut(
        await web.store.list(SAVED, cid, limit=SAVED_SHOWN + 1, after=after, reverse=True),
        SAVED_SHOWN, key=lambda row: row[0])
    consultation = await views.consultation_or_404(web.store, cid)
    current = sv.query_string(params, drop=("page", "enregistree", "supprimee", SAVED_AFTER))
    return admin_page(web, request, "search/workspace.html", {
        "consultation": consultation, "base": base(cid),
        "params": params, "req": outcome.request, "result": outcome.page,
        "proposals_of": await sv.proposals_of(web.store, outcome.page),
        "errors": outcome.errors, "filters": {k: set(v) for k, v in req.filters.items()},
        "current": current, "saved": [d for _, d in saved], "saved_key": new_id(),
        "saved_first": after is None, "saved_pages": _saved_pages(cid, params, next_key),
        "name": name, "page_link": lambda n: sv.query_string(params, page=str(n)),
        "export": f"{base(cid)}/export.csv?{sv.query_string(params, drop=('page',))}",
        "labels": _labels(consultation, await whole_partition(web.store, QUESTIONNAIRES, cid))},
        status=400 if outcome.errors else 200)


@router.get("/admin/analyse/{cid}")
async def workspace(request: Request, web: WebDep, cid: str) -> Response:
    await holder_of(web, request, cid, Capability.ANALYSE)
    return await workspace_page(web, request, cid, sv.params_of(request))


@router.get("/admin/analyse/{cid}/export.csv")
async def export(request: Request, web: WebDep, cid: str) -> Response:
    """The whole result set, streamed a page of the index at a time (the same
    export as the JSON API's, for every holder of the workspace)."""
    await holder_of(web, request, cid, Capability.ANALYSE)
    outcome = sv.parsed(sv.params_of(request))
    req = replace(outcome.request, facets=(),
                  filters={**outcome.request.filters, "consultation_id": [cid]})
    outcome = await sv.run(sv.search_index(web), sv.Outcome(req, errors=outcome.errors))
    if outcome.errors:  # refused before streaming starts
        raise HTTPException(400, outcome.errors["__all__"])
    consultation = await views.consultation_or_404(web.store, cid)
    labels = sv.value_labels(consultation, await whole_partition(web.store, QUESTIONNAIRES, cid))
    return StreamingResponse(
        export_csv(sv.search_index(web), req, header=sv.EXPORT_HEADINGS, labels=labels),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="recherche.csv"',
                 "Cache-Control": "no-store"})


@router.post("/admin/analyse/{cid}/recherches")
async def save(request: Request, web: WebDep, cid: str) -> Response:
    form = await checked_form(web, request)
    owner = await holder_of(web, request, cid, Capability.ANALYSE)
    params, key, name = text(form, "params"), text(form, "cle"), text(form, "name")
    try:
        await web.deps.send(SaveSearch(key or new_id(), cid, owner, name, params))
    except ConcurrencyConflict:
        pass  # the same form sent twice: the first save stands
    except DomainError as e:
        shown = _params(params)
        return await workspace_page(web, request, cid, shown, name=name,
                                    errors={"__all__": e.message, "name": e.message})
    await web.deps.settle()
    return RedirectResponse(f"{base(cid)}?{kept_params(params)}&enregistree=1",
                            status_code=303)


@router.post("/admin/analyse/{cid}/recherches/{saved_id}/suppression")
async def delete(request: Request, web: WebDep, cid: str, saved_id: str) -> Response:
    await checked_form(web, request)
    await holder_of(web, request, cid, Capability.ANALYSE)
    # Already gone (a second click): the list is what was asked for.
    with contextlib.suppress(NotFound, ConcurrencyConflict):
        await web.deps.send(DeleteSavedSearch(saved_id, cid))
    await web.deps.settle()
    return RedirectResponse(f"{base(cid)}?supprimee=1", status_code=303)


def _saved_pages(cid: str, params: dict[str, list[str]], next_key: str | None
                 ) -> dict[str, str | None]:
    """The saved searches' first and next pages, the results' query and page kept."""
    def link(**after: str) -> str:
        kept = sv.query_string(params, drop=("enregistree", "supprimee", SAVED_AFTER), **after)
        return f"{base(cid)}?{kept}#recherches-enregistrees"
    return {"first": link(), "next": link(**{SAVED_AFTER: next_key}) if next_key else None}


def _params(query: str) -> dict[str, list[str]]:
    return dict(parse_qs(query))


def _labels(consultation: Doc, questionnaires: list[Doc]) -> dict[str, Any]:
    return {"facets": sv.FACET_LABELS, "values": sv.value_labels(consultation, questionnaires),
            "sorts": sv.SORT_LABELS,
            "kinds": sv.KIND_LABELS, "quote": quote}
