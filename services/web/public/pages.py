"""Public pages: the same bytes for everyone, cacheable (ETag), usable without
JavaScript, a constant number of store queries whatever the number of items."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from services.web import views
from services.web.deps import Web, WebDep
from services.web.documents import document_response
from services.web.page_cache import PUBLIC_PAGE, not_kept
from services.web.paths import route_segment
from services.web.questionnaire_steps import questionnaire_step
from services.web.rendering import public_page

# The consultation's content lists, by URL segment: (read-model table, template,
# newest first). Each has its own route below, so no list segment can be taken
# for another page of the consultation (synthese, recherche, propositions...).
LISTS = {
    "articles": ("published_articles", "public/articles.html", True),
    "documents": ("documents", "public/documents.html", True),
    "videos": ("videos", "public/videos.html", True),
    "comptes-rendus": ("minutes", "public/minutes_list.html", True),
    "commissions": ("commissions", "public/commissions.html", False),
}

PUBLIC = PUBLIC_PAGE.decode()  # the page cache's mark: its policy, or private with a session

router = APIRouter()


def page(web: Web, request: Request, template: str, context: dict[str, Any] | None) -> Response:
    """The public page, or a 404 page when there is nothing (None) to show."""
    if context is None:
        raise HTTPException(404)
    context.setdefault("tile_url", web.settings.tile_url)
    context.setdefault("tile_attribution", web.settings.tile_attribution)
    return public_page(request, web.env, template, context)


@router.get("/")
async def home(request: Request, web: WebDep) -> Response:
    return page(web, request, "public/home.html", await views.home(web.store))


@router.get("/consultations")
async def every_consultation(request: Request, web: WebDep) -> Response:
    number = views.page_number(request)
    return page(web, request, "public/consultations.html",
                await views.every_consultation(web.store, number, web.settings.page_size))


@router.get("/consultations/{slug}")
async def consultation(request: Request, web: WebDep, slug: str) -> Response:
    return page(web, request, "public/consultation.html",
                await views.consultation_page(web.store, slug))


async def content_list(request: Request, web: WebDep, slug: str) -> Response:
    """One of the LISTS, paged (`?page=`); which one is the route's last segment."""
    table, template, newest_first = LISTS[route_segment(request, LISTS)]
    number = views.page_number(request)
    ctx = await views.listing(web.store, slug, table, number, web.settings.page_size,
                              reverse=newest_first)
    return page(web, request, template, ctx)


for _segment in LISTS:
    router.add_api_route(f"/consultations/{{slug}}/{_segment}", content_list, methods=["GET"],
                         name=f"content_list_{_segment}")


@router.get("/consultations/{slug}/articles/{article_id}")
async def article(request: Request, web: WebDep, slug: str, article_id: str) -> Response:
    return page(web, request, "public/article.html",
                await views.item(web.store, slug, "published_articles", article_id))


@router.get("/consultations/{slug}/commissions/{commission_id}")
async def commission(request: Request, web: WebDep, slug: str, commission_id: str) -> Response:
    return page(web, request, "public/commission.html",
                await views.item(web.store, slug, "commissions", commission_id))


@router.get("/consultations/{slug}/questionnaires/{questionnaire_id}")
async def questionnaire(request: Request, web: WebDep, slug: str,
                        questionnaire_id: str) -> Response:
    ctx = await views.item(web.store, slug, "questionnaires", questionnaire_id)
    if ctx is not None:
        ctx.update(questionnaire_step(ctx["item"], ctx["consultation"], request))
    return page(web, request, "public/questionnaire.html", ctx)


async def _meetings(web: Web, request: Request, table: str, partition: str) -> dict[str, Any]:
    """The meetings to come (`?passees=1`: those gone), a page at a time (`?apres=`)."""
    query = request.query_params
    return await views.meetings_page(
        web.store, table, partition, past=query.get("passees") == "1",
        after=views.keyset_after(request), size=web.settings.page_size)


@router.get("/evenements")
async def events(request: Request, web: WebDep) -> Response:
    return page(web, request, "public/events.html",
                await _meetings(web, request, "meetings_by_date", views.ALL))


@router.get("/consultations/{slug}/rencontres")
async def meetings(request: Request, web: WebDep, slug: str) -> Response:
    c = await views.slug_or_404(web.store, slug)
    return page(web, request, "public/meetings.html", {
        "consultation": c, **await _meetings(web, request, "meetings_by_consultation", c["id"])})


@router.get("/documents/{consultation_id}/{document_id}")
async def document(request: Request, web: WebDep, consultation_id: str,
                   document_id: str) -> Response:
    """A document of a published consultation (of a draft, or one unpublished
    since: 404, as its page; its team has it in the back office). Cached as a
    public page is (ADR 0071), no longer than that: a day-long `immutable` kept
    it on the way after its consultation was unpublished. Its ETag is its digest,
    so asking again costs a 304 and no read of the bytes."""
    await views.consultation_or_404(web.store, consultation_id, published=True)
    doc = await web.store.get("documents", consultation_id, document_id)
    if doc is None or web.deps.read_blob is None:
        raise HTTPException(404)
    not_kept(request.scope)  # bytes, not a page: the page cache keeps pages
    etag = f'"{doc["sha256"]}"'
    if etag in {t.strip().removeprefix("W/")
                for t in request.headers.get("if-none-match", "").split(",")}:
        return Response(status_code=304, headers={"ETag": etag, "Cache-Control": PUBLIC})
    content = await web.deps.read_blob(doc["sha256"])
    if content is None:
        raise HTTPException(404)
    return document_response(doc, content, PUBLIC)
