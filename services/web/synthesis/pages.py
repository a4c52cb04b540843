"""The public synthesis of a consultation (French, DSFR, no JavaScript): themes
with sizes and SVG charts, representative verbatims, evolution over time,
campaigns reported apart, the organiser's follow-up with its status history, a
page of contributions behind each theme and each figure, and the report to
download (Markdown, CSV). A participant's follow-up notices (`/compte/notifications`).
Only published content is ever shown: every text is read from the published
corpus at render time, so what was hidden or withdrawn since drops out."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from services.consultation.queries import QUESTIONNAIRES
from services.store.paging import whole_partition
from services.store.port import Doc, ReadStore
from services.synthesis.followup.model import STATUSES
from services.synthesis.followup.tables import NOTICES
from services.synthesis.queries import follow_up_responses
from services.synthesis.runs.scope import RunScope, describe, themes_of
from services.web import views
from services.web.deps import WebDep
from services.web.forms import admin_page
from services.web.rendering import public_page
from services.web.session import visitor
from services.web.synthesis import charts
from services.web.synthesis import views as sv

PAGE_SIZE = 20
NOTICES_SHOWN = 100  # a participant's notices a page, the latest first


router = APIRouter()


def base(c: Doc) -> str:
    return f"/consultations/{c['slug']}"


async def view_of(store: ReadStore, c: Doc, number: int = 1, *,
                  with_responses: bool = True) -> dict[str, Any]:
    view = await sv.published_view(store, c["id"], number, with_responses=with_responses)
    assert view is not None
    return view


async def published_scope(store: ReadStore, c: Doc, published: Doc,
                          ) -> tuple[RunScope, list[dict[str, Any]]]:
    """The published run's scope (ADR 0143; absent: the whole consultation) and the
    questionnaires that name its question (read for a question scope only)."""
    scope = RunScope.from_data(published.get("scope"))
    forms = await whole_partition(store, QUESTIONNAIRES, c["id"]) if scope.questionnaire_id \
        else []
    return scope, forms


async def covers_of(store: ReadStore, c: Doc, view: dict[str, Any]) -> str:
    """What the exports say they cover, as the run's page does (« Périmètre : … »)."""
    if not view["published"]:
        return ""
    return describe(*await published_scope(store, c, view["published"]))


@router.get("/consultations/{slug}/synthese")
async def synthesis(request: Request, web: WebDep, slug: str) -> Response:
    c = await views.slug_or_404(web.store, slug)
    view = await view_of(web.store, c, views.page_number(request))
    link = f"{base(c)}/synthese/themes/"
    covers = ""
    if view["published"]:
        covers = themes_of(*await published_scope(web.store, c, view["published"]))
    return public_page(request, web.env, "synthesis/public.html", {
        "consultation": c, "view": view, "statuses": STATUSES, "kinds": sv.KIND_LABELS,
        "covers": covers,
        "sizes": charts.theme_sizes(view["themes"], lambda t: link + t),
        "evolution": {t["theme_id"]: charts.evolution(t["per_day"])
                      for t in view["themes"]},
        "theme_of": {t["theme_id"]: t for t in view["themes"]}})


@router.get("/consultations/{slug}/synthese/themes/{theme_id}")
async def theme(request: Request, web: WebDep, slug: str, theme_id: str) -> Response:
    c = await views.slug_or_404(web.store, slug)
    view = await view_of(web.store, c, with_responses=False)
    found = sv.find_theme(view, theme_id)
    if found is None:
        raise HTTPException(404)
    day = request.query_params.get("jour") or None
    if day is not None and (len(day) != 10 or day not in found["per_day"]):
        raise HTTPException(404)
    docs, next_after = await sv.theme_members(
        web.store, c["id"], view["published"]["run_id"], found,
        after=request.query_params.get("apres") or None, day=day, size=PAGE_SIZE)
    return public_page(request, web.env, "synthesis/theme.html", {
        "consultation": c, "theme": found, "docs": docs, "day": day,
        "next_after": next_after, "kinds": sv.KIND_LABELS,
        "evolution": charts.evolution(found["per_day"])})


@router.get("/consultations/{slug}/synthese/rapport.md")
async def report(request: Request, web: WebDep, slug: str) -> Response:
    c = await views.slug_or_404(web.store, slug)
    view = {**await view_of(web.store, c, with_responses=False),
            "responses": await follow_up_responses(web.store, c["id"])}
    text = sv.report_markdown(c, view, _origin(request) + base(c),
                              covers=await covers_of(web.store, c, view))
    return Response(text, media_type="text/markdown; charset=utf-8", headers={
        "Content-Disposition": 'attachment; filename="synthese.md"',
        "Cache-Control": "public, no-cache"})


@router.get("/consultations/{slug}/synthese/themes.csv")
async def themes_csv(request: Request, web: WebDep, slug: str) -> Response:
    c = await views.slug_or_404(web.store, slug)
    view = await view_of(web.store, c, with_responses=False)
    text = sv.themes_csv(view, _origin(request) + base(c),
                         covers=await covers_of(web.store, c, view))
    return Response(text, media_type="text/csv; charset=utf-8", headers={
        "Content-Disposition": 'attachment; filename="synthese-themes.csv"',
        "Cache-Control": "public, no-cache"})


@router.get("/compte/notifications")
async def notices(request: Request, web: WebDep) -> Response:
    who = visitor(web, request)
    if who is None or who.kind != "participant":
        return RedirectResponse("/connexion?suite=/compte/notifications", status_code=303)
    # the latest first, a page at a time (the latest 100 only were listed)
    after = views.keyset_after(request)
    rows, next_key = views.keyset_cut(await web.store.list(
        NOTICES, who.id, limit=NOTICES_SHOWN + 1, after=after, reverse=True),
        NOTICES_SHOWN, key=lambda row: row[0])
    titles = await web.store.get_many("consultation_detail", "all",
                                      sorted({d["consultation_id"] for _, d in rows}))
    return admin_page(web, request, "synthesis/notices.html", {
        "notices": [d for _, d in rows], "statuses": STATUSES,
        "consultations": titles, "first_page": after is None, "next": next_key})


def _origin(request: Request) -> str:
    return f"{request.url.scheme}://{request.url.netloc}"

