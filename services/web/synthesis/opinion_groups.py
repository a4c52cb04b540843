"""Opinion groups pages (no JavaScript; CSRF on the POST).

- `/admin/analyse/<cid>/groupes-opinion` (analysts, organisers, admins of <cid>):
  the groups of the consultation's opinions (its imported Pol.is conversation once
  one is, its agree/disagree ballots otherwise, never both: ADR 0138; the page
  says how many ballots an import leaves out, before and after it), read from the
  opinions' read model
  (`opinions_model`), computed once per change of them and shared by the views
  (ADR 0039), each group's size and
  representative statements, the consensus statements, the participants map,
  and "Publier", which records the groups as they are (the handler recomputes
  them from the log);
- `/consultations/<slug>/groupes-opinion`: the published groups, read from one
  document (no computation on a public request), 404 until published."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

from fastapi import APIRouter
from markupsafe import Markup
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from services.core.errors import DomainError
from services.core.shared_computation import Policy, SharedComputations
from services.eventlog.port import ModelProgress
from services.identity.queries import Capability
from services.synthesis.conversations.handlers import PublishOpinionGroups, arriving_message
from services.synthesis.conversations.opinions_model import (
    book_of,
    import_arriving,
    opinions_changed,
    published_from_import,
    statements_of,
)
from services.synthesis.conversations.projection import published_groups
from services.synthesis.conversations.shown import MODERATED_OUT, leave_out_unshown
from services.synthesis.conversations.snapshot import snapshot
from services.synthesis.groups.analysis import analyse_opinions
from services.synthesis.groups.svgmap import GROUP_NAMES, points_svg
from services.synthesis.opinions import Statement
from services.web import views
from services.web.backoffice.guard import BACK_OFFICE
from services.web.deps import Web, WebDep
from services.web.forms import admin_page, checked_form
from services.web.rendering import public_page
from services.web.session import holder_of
from services.web.synthesis.import_outcome import PARAM as OUTCOME
from services.web.synthesis.import_outcome import notice_of
from services.web.synthesis.import_pace import STALLED_AFTER_S, ImportPace, pace_of
from services.web.vote.pages import titles

admin = APIRouter(dependencies=BACK_OFFICE)
GROUPS_CACHE = "opinion_groups"
# Computations under 1 s are redone whenever the opinions moved (a small consultation
# always shows its latest); longer ones at most every 30 s, or twice their length.
GROUPS_POLICY = Policy(quick_s=1.0, gap_s=30.0)
SMALL_GROUPS = 500  # participants
public = APIRouter()


def admin_base(cid: str) -> str:
    return f"/admin/analyse/{cid}/groupes-opinion"


async def _item_titles(web: Web, statements: Mapping[str, Statement]) -> dict[str, str]:
    """Texts of the consultation's voted items (imported statements carry theirs)."""
    untitled = [s.statement_id for s in statements.values()
                if not s.body and s.moderated != MODERATED_OUT]
    return await titles(web.store, untitled) if untitled else {}


def _view(data: dict[str, Any]) -> dict[str, Any]:
    """What the templates show of a publication's data (or of one computed now)."""
    groups = [{**g, "name": GROUP_NAMES[i]} for i, g in enumerate(data["groups"])]
    sizes = [g["size"] for g in data["groups"]]
    return {"set_aside": 0, **data, "groups": groups,  # set_aside: absent before 2026-12-08
            # built from numbers and escaped text only (svgmap.py): safe to insert
            "map_svg": Markup(  # noqa: S704  # nosec B704
                points_svg(data["points"], sizes, data["ungrouped"]))}


async def admin_view(web: Web, request: Request, cid: str, *,
                     errors: dict[str, str] | None = None, status: int | None = None,
                     notice: dict[str, Any] | None = None,
                     interrupted: bool = False) -> Response:
    """The page; `notice`: what an upload of a Pol.is export did (polis_upload.py,
    carried by import_outcome.py); `interrupted`: this request saw the import it
    sent stop."""
    consultation = await views.consultation_or_404(web.store, cid)
    shown = await _groups(web).shown(cid)
    # read at each view: the groups shown may have been computed before (ADR 0039)
    arriving = await import_arriving(web.store, cid)
    # still being written, or interrupted and to resume (ADR 0130)
    if arriving is None:
        pace = None
    elif interrupted:
        pace = ImportPace("stalled", None)
    else:
        pace = await pace_of(arriving, log=web.log,
                             progress=web.deps.port("progress", ModelProgress))
    return admin_page(web, request, "synthesis/opinion_groups_admin.html", {
        **shown.kept.value, "consultation": consultation, "base": admin_base(cid),
        "arriving": arriving_message(*arriving.missing) if arriving else None,
        "arrived_share": arriving.share if arriving else None,
        # « Reprendre l'import » sends the files the import named (ADR 0127)
        "resumable": bool(arriving and arriving.files),
        "pace": pace, "stalled_after_min": round(STALLED_AFTER_S / 60),
        "computed_at": shown.kept.computed_at, "behind": shown.behind,
        "refreshing": shown.refreshing, "next_in": shown.next_in,
        "published": await published_groups(web.store, cid), "errors": errors or {},
        "notice": notice or {},
        "upload_max_mb": web.deps.settings.upload_max_bytes // (1024 * 1024)},
        status=status or (400 if errors else 200))


def _groups(web: Web) -> SharedComputations[dict[str, Any]]:
    """This front's opinion groups, computed once per change of the opinions
    (ADR 0039)."""
    groups: SharedComputations[dict[str, Any]] | None = web.caches.get(GROUPS_CACHE)
    if groups is None:
        # The consultation's own opinions: another's import or ballots leave its
        # groups as they are. (The voted items' titles come from the deposits' read
        # model: one edited since shows with the next change of the opinions.)
        async def marker(cid: str) -> int:
            return await opinions_changed(web.store, cid)

        async def compute(cid: str) -> dict[str, Any]:
            return await _computed(web, cid)

        groups = web.caches[GROUPS_CACHE] = SharedComputations(
            "opinion groups", compute, marker, GROUPS_POLICY, small=_few)
    return groups


def _few(content: dict[str, Any]) -> bool:
    """Groups of a few hundred participants or none: made again at every change of
    the opinions, however long a loaded machine took to make them."""
    return content["groups"] is None or content["groups"]["participants"] < SMALL_GROUPS


async def _computed(web: Web, cid: str) -> dict[str, Any]:
    """What the analyst's page shows of the consultation's opinions, computed now
    from their read model."""
    book = await book_of(web.store, cid)
    await leave_out_unshown(book, web.store)  # as the publication will
    computed, problem = None, None
    if book.statements:
        try:
            # seconds of numpy for a large conversation: off the event loop
            analysis = await asyncio.to_thread(analyse_opinions, book)
            computed = _view(snapshot(book, analysis,
                                      await _item_titles(web, book.statements)))
        except ValueError as too_few:
            problem = str(too_few)
    # the consultation's own agree/disagree opinions: left out of the groups once a
    # conversation is imported, or to be once one is (ADR 0138)
    return {"groups": computed, "problem": problem, "imported": book.facts,
            "has_opinions": bool(book.statements), "holds_import": book.holds_import(),
            "own_opinions": book.own_opinions()}


@admin.get("/admin/analyse/{cid}/groupes-opinion")
async def admin_page_of_groups(request: Request, web: WebDep, cid: str) -> Response:
    """`?import=`: what the Pol.is import sent just before did (import_outcome.py)."""
    await holder_of(web, request, cid, Capability.ANALYSE)
    notice = await notice_of(web, cid, request.query_params.get(OUTCOME))
    return await admin_view(web, request, cid, notice=notice)


@admin.post("/admin/analyse/{cid}/groupes-opinion/publication")
async def publish(request: Request, web: WebDep, cid: str) -> Response:
    await checked_form(web, request)
    await holder_of(web, request, cid, Capability.ANALYSE)
    await views.consultation_or_404(web.store, cid)
    # computing the groups reads every opinion of the consultation: budgeted
    await web.providers.check_limit(request, "opinion_groups")  # 429 page beyond it
    # The handler computes the groups from the opinions the log holds (from their
    # model once it holds them, ADR 0054), the voted items' titles come from here:
    # read once the read models hold what the log held (an item voted on a moment
    # ago would be published untitled).
    await web.deps.settle()
    statements = await statements_of(web.store, cid)  # the opinions are the handler's
    try:
        await web.deps.send(PublishOpinionGroups(cid, await _item_titles(web, statements)))
    except DomainError as refused:
        return await admin_view(web, request, cid, errors={"__all__": refused.message})
    await web.deps.settle()
    return RedirectResponse(f"{admin_base(cid)}?ok=1", status_code=303)


@public.get("/consultations/{slug}/groupes-opinion")
async def public_groups(request: Request, web: WebDep, slug: str) -> Response:
    c = await views.slug_or_404(web.store, slug)
    data = await published_groups(web.store, c["id"])
    if data is None:
        raise HTTPException(404)
    return public_page(request, web.env, "synthesis/opinion_groups.html",
                       {"consultation": c, "groups": _view(data),
                        "from_import": await published_from_import(web.store, data)})
