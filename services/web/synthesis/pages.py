"""The public synthesis of a consultation (French, DSFR, no JavaScript): themes
with sizes and SVG charts, representative verbatims, evolution over time,
campaigns reported apart, the organiser's follow-up with its status history, a
page of contributions behind each theme and each figure, and the report to
download (Markdown, CSV); one such synthesis a run scope (ADR 0143 amended): the
whole consultation's at `/synthese`, the others' under their scope key. A
participant's follow-up notices (`/compte/notifications`).
Only published content is ever shown: every text is read from the published
corpus at render time, so what was hidden or withdrawn since drops out."""

from __future__ import annotations

from collections.abc import Iterable
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
from services.synthesis.runs.corpus import PROPOSALS_KEY
from services.synthesis.runs.scope import RunScope, describe, named, themes_of
from services.web import views
from services.web.deps import Web, WebDep
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


def root(c: Doc, key: str = "") -> str:
    return sv.synthesis_root(c["slug"], key)


async def forms_for(store: ReadStore, c: Doc, keys: Iterable[str]) -> list[dict[str, Any]]:
    """The questionnaires naming the scopes' questions (read for a question scope only)."""
    if any(RunScope.from_key(k).questionnaire_id for k in keys):
        return await whole_partition(store, QUESTIONNAIRES, c["id"])
    return []


async def scope_view(store: ReadStore, c: Doc, key: str, *,
                     with_responses: bool = False) -> dict[str, Any]:
    """The synthesis published for scope `key`; a scope other than the whole
    consultation's that nothing was published for is no page (404)."""
    view = await sv.published_view(store, c["id"], key=key, with_responses=with_responses)
    if key and view["published"] is None:
        raise HTTPException(404)
    return view


async def covers_of(store: ReadStore, c: Doc, key: str, view: dict[str, Any]) -> str:
    """What the exports say they cover, as the run's page does (« Périmètre : … »)."""
    if not view["published"]:
        return ""
    return describe(RunScope.from_key(key), await forms_for(store, c, [key]))


async def render(request: Request, web: Web, c: Doc, key: str, view: dict[str, Any],
                 others: list[dict[str, str]], forms: list[dict[str, Any]]) -> Response:
    link = f"{root(c, key)}/themes/"
    covers = themes_of(RunScope.from_key(key), forms) if view["published"] else ""
    said = describe(RunScope.from_key(key), forms) if key else ""
    return public_page(request, web.env, "synthesis/public.html", {
        "consultation": c, "view": view, "statuses": STATUSES, "kinds": sv.KIND_LABELS,
        "covers": covers, "root": root(c, key), "main": root(c), "scoped": said,
        "others": others,
        "sizes": charts.theme_sizes(view["themes"], lambda t: link + t),
        "evolution": {t["theme_id"]: charts.evolution(t["per_day"])
                      for t in view["themes"]},
        "theme_of": {t["theme_id"]: t for t in view["themes"]}})


@router.get("/consultations/{slug}/synthese")
async def synthesis(request: Request, web: WebDep, slug: str) -> Response:
    """The whole consultation's synthesis, and the list of the other scopes'."""
    c = await views.slug_or_404(web.store, slug)
    published = await sv.publications(web.store, c["id"])
    view = await sv.view_of(web.store, c["id"], published.get(""),
                            views.page_number(request))
    keys = sorted(k for k in published if k)
    forms = await forms_for(web.store, c, keys)
    others = []
    for k in keys:
        what, questionnaire = named(RunScope.from_key(k), forms)
        others.append({"href": root(c, k), "what": what, "questionnaire": questionnaire,
                       "kind": RunScope.from_key(k).kind})
    return await render(request, web, c, "", view, others, forms)


async def scope_page(request: Request, web: Web, slug: str, key: str) -> Response:
    c = await views.slug_or_404(web.store, slug)
    view = await scope_view(web.store, c, key)
    return await render(request, web, c, key, view, [], await forms_for(web.store, c, [key]))


async def theme_page(request: Request, web: Web, slug: str, key: str,
                     theme_id: str) -> Response:
    c = await views.slug_or_404(web.store, slug)
    view = await scope_view(web.store, c, key)
    found = sv.find_theme(view, theme_id)
    if found is None:
        raise HTTPException(404)
    day = request.query_params.get("jour") or None
    if day is not None and (len(day) != 10 or day not in found["per_day"]):
        raise HTTPException(404)
    docs, next_after = await sv.theme_members(
        web.store, c["id"], view["published"]["run_id"], found,
        after=request.query_params.get("apres") or None, day=day, size=PAGE_SIZE)
    said = describe(RunScope.from_key(key), await forms_for(web.store, c, [key])) if key else ""
    return public_page(request, web.env, "synthesis/theme.html", {
        "consultation": c, "theme": found, "docs": docs, "day": day, "root": root(c, key),
        "scoped": said,
        "next_after": next_after, "kinds": sv.KIND_LABELS,
        "evolution": charts.evolution(found["per_day"])})


async def report_of(request: Request, web: Web, slug: str, key: str) -> Response:
    """The report; the whole consultation's tells the follow-up responses too."""
    c = await views.slug_or_404(web.store, slug)
    view = await scope_view(web.store, c, key)
    if not key:
        view["responses"] = await follow_up_responses(web.store, c["id"])
    text = sv.report_markdown(c, view, _origin(request) + root(c, key),
                              covers=await covers_of(web.store, c, key, view))
    return Response(text, media_type="text/markdown; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="{_file("synthese", key)}.md"',
        "Cache-Control": "public, no-cache"})


async def csv_of(request: Request, web: Web, slug: str, key: str) -> Response:
    c = await views.slug_or_404(web.store, slug)
    view = await scope_view(web.store, c, key)
    text = sv.themes_csv(view, _origin(request) + root(c, key),
                         covers=await covers_of(web.store, c, key, view))
    return Response(text, media_type="text/csv; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="{_file("synthese-themes", key)}.csv"',
        "Cache-Control": "public, no-cache"})


def _file(name: str, key: str) -> str:
    """The download's name: the scope's key after the name ("question-<q>-<q>")."""
    return "-".join([name, *key.split("/")]) if key else name


def _question(questionnaire_id: str, question_id: str) -> str:
    return RunScope.question(questionnaire_id, question_id).key


# The whole consultation's pages, then each scope's under its key.

@router.get("/consultations/{slug}/synthese/themes/{theme_id}")
async def theme(request: Request, web: WebDep, slug: str, theme_id: str) -> Response:
    return await theme_page(request, web, slug, "", theme_id)


@router.get("/consultations/{slug}/synthese/rapport.md")
async def report(request: Request, web: WebDep, slug: str) -> Response:
    return await report_of(request, web, slug, "")


@router.get("/consultations/{slug}/synthese/themes.csv")
async def themes_csv(request: Request, web: WebDep, slug: str) -> Response:
    return await csv_of(request, web, slug, "")


@router.get("/consultations/{slug}/synthese/propositions")
async def proposals(request: Request, web: WebDep, slug: str) -> Response:
    return await scope_page(request, web, slug, PROPOSALS_KEY)


@router.get("/consultations/{slug}/synthese/propositions/themes/{theme_id}")
async def proposals_theme(request: Request, web: WebDep, slug: str,
                          theme_id: str) -> Response:
    return await theme_page(request, web, slug, PROPOSALS_KEY, theme_id)


@router.get("/consultations/{slug}/synthese/propositions/rapport.md")
async def proposals_report(request: Request, web: WebDep, slug: str) -> Response:
    return await report_of(request, web, slug, PROPOSALS_KEY)


@router.get("/consultations/{slug}/synthese/propositions/themes.csv")
async def proposals_csv(request: Request, web: WebDep, slug: str) -> Response:
    return await csv_of(request, web, slug, PROPOSALS_KEY)


QUESTION = "/consultations/{slug}/synthese/question/{questionnaire_id}/{question_id}"


@router.get(QUESTION)
async def question(request: Request, web: WebDep, slug: str, questionnaire_id: str,
                   question_id: str) -> Response:
    return await scope_page(request, web, slug, _question(questionnaire_id, question_id))


@router.get(QUESTION + "/themes/{theme_id}")
async def question_theme(request: Request, web: WebDep, slug: str, questionnaire_id: str,
                         question_id: str, theme_id: str) -> Response:
    return await theme_page(request, web, slug, _question(questionnaire_id, question_id),
                            theme_id)


@router.get(QUESTION + "/rapport.md")
async def question_report(request: Request, web: WebDep, slug: str, questionnaire_id: str,
                          question_id: str) -> Response:
    return await report_of(request, web, slug, _question(questionnaire_id, question_id))


@router.get(QUESTION + "/themes.csv")
async def question_csv(request: Request, web: WebDep, slug: str, questionnaire_id: str,
                       question_id: str) -> Response:
    return await csv_of(request, web, slug, _question(questionnaire_id, question_id))


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

