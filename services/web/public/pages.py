"""Public pages: the same bytes for everyone, cacheable (ETag), usable without
JavaScript, a constant number of store queries whatever the number of items."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from services.web import views
from services.web.deposit.questionnaire_steps import visible_questions
from services.web.deps import Web
from services.web.public.ics import calendar_response
from services.web.rendering import public_page

# (url segment, read-model table, template, newest first)
LISTS = {
    "articles": ("published_articles", "public/articles.html", True),
    "documents": ("documents", "public/documents.html", True),
    "videos": ("videos", "public/videos.html", True),
    "rencontres": ("meetings_by_consultation", "public/meetings.html", False),
    "comptes-rendus": ("minutes", "public/minutes_list.html", True),
    "commissions": ("commissions", "public/commissions.html", False),
}


def routes(web: Web) -> APIRouter:
    router = APIRouter()
    store = web.deps.store
    size = web.deps.settings.page_size

    def page(request: Request, template: str, context: dict[str, Any] | None) -> Response:
        if context is None:
            raise HTTPException(404)
        context.setdefault("tile_url", web.deps.settings.tile_url)
        context.setdefault("tile_attribution", web.deps.settings.tile_attribution)
        return public_page(request, web.env, template, context)

    @router.get("/")
    async def home(request: Request) -> Response:
        return page(request, "public/home.html", await views.home(store))

    @router.get("/consultations/{slug}")
    async def consultation(request: Request, slug: str) -> Response:
        return page(request, "public/consultation.html", await views.consultation_page(store, slug))

    @router.get("/consultations/{slug}/{kind}")
    async def content_list(request: Request, slug: str, kind: str) -> Response:
        if kind not in LISTS:
            raise HTTPException(404)
        table, template, newest_first = LISTS[kind]
        number = _int(request.query_params.get("page"), 1)
        ctx = await views.listing(store, slug, table, number, size, reverse=newest_first)
        return page(request, template, ctx)

    @router.get("/consultations/{slug}/articles/{article_id}")
    async def article(request: Request, slug: str, article_id: str) -> Response:
        return page(request, "public/article.html",
                    await views.item(store, slug, "published_articles", article_id))

    @router.get("/consultations/{slug}/commissions/{commission_id}")
    async def commission(request: Request, slug: str, commission_id: str) -> Response:
        return page(request, "public/commission.html",
                    await views.item(store, slug, "commissions", commission_id))

    @router.get("/consultations/{slug}/questionnaires/{questionnaire_id}")
    async def questionnaire(request: Request, slug: str, questionnaire_id: str) -> Response:
        ctx = await views.item(store, slug, "questionnaires", questionnaire_id)
        if ctx is not None:
            # Conditional questions without JavaScript: the visitor's earlier choices
            # come back in the query string (GET, changes nothing) and decide which
            # follow-ups are shown.
            answers = {k: request.query_params.getlist(k) for k in request.query_params}
            ctx["questions"], ctx["step_complete"] = visible_questions(
                ctx["item"]["questions"], answers)
            ctx["answers"] = answers
        return page(request, "public/questionnaire.html", ctx)

    @router.get("/evenements")
    async def events(request: Request) -> Response:
        number = _int(request.query_params.get("page"), 1)
        return page(request, "public/events.html", await views.events(store, number, size))

    @router.get("/evenements/{meeting_id}")
    async def event(request: Request, meeting_id: str) -> Response:
        doc = await store.get("meetings", "all", meeting_id)
        return page(request, "public/event.html", {"item": doc} if doc else None)

    @router.get("/evenements/{meeting_id}/calendrier.ics")
    async def event_ics(request: Request, meeting_id: str) -> Response:
        doc = await store.get("meetings", "all", meeting_id)
        if doc is None:
            raise HTTPException(404)
        return calendar_response(request, doc)

    @router.get("/documents/{consultation_id}/{document_id}")
    async def document(consultation_id: str, document_id: str) -> Response:
        doc = await store.get("documents", consultation_id, document_id)
        if doc is None or web.deps.read_blob is None:
            raise HTTPException(404)
        content = await web.deps.read_blob(doc["sha256"])
        if content is None:
            raise HTTPException(404)
        return document_response(doc, content)

    return router


# Types a browser shows itself without running anything of ours; everything else
# (CSV, office files) is downloaded, never rendered, whatever it contains.
INLINE_TYPES = {"application/pdf", "image/png", "image/jpeg"}


def document_response(doc: dict[str, Any], content: bytes) -> Response:
    """The bytes with the type sniffed at upload (never the uploader's claim);
    `nosniff` (SecurityHeaders) forbids the browser from guessing another."""
    disposition = "inline" if doc["media_type"] in INLINE_TYPES else "attachment"
    name = doc["filename"]
    return Response(content, media_type=doc["media_type"], headers={
        "Content-Disposition": f'{disposition}; filename="{_ascii(name)}"; '
                               f"filename*=UTF-8''{quote(name[:200], safe='')}",
        "Cache-Control": "public, max-age=86400, immutable", "ETag": f'"{doc["sha256"]}"'})


def _int(value: str | None, default: int) -> int:
    try:
        return int(value) if value else default
    except ValueError:
        return default


def _ascii(name: str) -> str:
    kept = "".join(c if (c.isascii() and c.isalnum()) or c in "._-" else "_" for c in name)
    return kept[:100] or "document"
