"""The analyst's synthesis pages (no JavaScript; CSRF on every POST):
`/admin/analyse/<cid>/synthese` lists the theme runs (start a full run or an
update; a run executes in the job, the page shows its state); a run's page shows
its themes to rename, merge, split and mark verbatims in, and publishes it.
The identity guard admits analysts (organisers, admins) of <cid>; the routes
check the role again."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from services.consultation.queries import QUESTIONNAIRES
from services.core.errors import DomainError
from services.core.ids import new_id
from services.identity.queries import Capability
from services.store.paging import whole_partition
from services.store.port import ReadStore
from services.synthesis.runs import commands as rc
from services.synthesis.runs.corpus import texts_per_scope
from services.synthesis.runs.scope import RunScope, choices, describe
from services.synthesis.runs.tables import PUBLISHED, RUNS, THEMES, published_key
from services.web import views
from services.web.backoffice.guard import BACK_OFFICE
from services.web.deps import Web, WebDep
from services.web.forms import admin_page, checked_form, text
from services.web.session import holder_of
from services.web.synthesis import views as sv

PAGE_SIZE = 50
MODES = {"full": "Analyse complète", "incremental": "Mise à jour (nouvelles contributions)"}
RUN_STATES = {"pending": "En cours", "done": "Terminée", "failed": "Échec"}
RUN = "/admin/analyse/{cid}/synthese/analyses/{run_id}"

router = APIRouter(dependencies=BACK_OFFICE)


RUNS_PAGE = 30  # theme runs a page of the analysts' list


def base(cid: str) -> str:
    return f"/admin/analyse/{cid}/synthese"


async def questionnaires_of(store: ReadStore, cid: str) -> list[dict[str, Any]]:
    """The consultation's questionnaires, what a run's scope names (a handful)."""
    return await whole_partition(store, QUESTIONNAIRES, cid)


def scope_of(run: dict[str, Any], forms: list[dict[str, Any]]) -> str:
    return describe(RunScope.from_data(run.get("scope")), forms)


async def runs_page(web: Web, request: Request, cid: str, *,
                    errors: dict[str, str] | None = None,
                    values: dict[str, str] | None = None, number: int = 1) -> Response:
    """The consultation's runs, a page at a time, the latest first (their ids are
    time-ordered): scheduled updates make hundreds, and the first 200 by id only
    were listed, so the latest ones were missing."""
    page = await views.paged(web.store, RUNS, cid, number, RUNS_PAGE, reverse=True)
    runs = sorted(page.items, key=lambda r: r.get("requested_at", ""), reverse=True)
    forms = await questionnaires_of(web.store, cid)
    consultation = await views.consultation_or_404(web.store, cid)
    publications = await sv.publications(web.store, cid)
    return admin_page(web, request, "synthesis/runs.html", {
        "consultation": consultation, "base": base(cid),
        "runs": runs, "page": page, "modes": MODES, "states": RUN_STATES, "run_key": new_id(),
        "scopes": choices(forms, await texts_per_scope(web.store, cid)),
        "scope_of": {r["run_id"]: scope_of(r, forms) for r in runs},
        "published": published_scopes(consultation, publications, forms),
        "online": {d["run_id"] for d in publications.values()},
        "values": values or {}, "errors": errors or {}},
        status=400 if errors else 200)


def published_scopes(consultation: dict[str, Any], publications: dict[str, dict[str, Any]],
                     forms: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each scope's published synthesis (ADR 0143 amended: one a scope), the whole
    consultation's first: what it covers, its version, its run and its public page."""
    out = []
    for key, d in sorted(publications.items()):
        out.append({"covers": describe(RunScope.from_key(key), forms),
                    "publication": d["publication"], "run_id": d["run_id"],
                    "href": sv.synthesis_root(consultation["slug"], key)})
    return out


async def run_page(web: Web, request: Request, cid: str, run_id: str, *,
                   errors: dict[str, str] | None = None, row: str | None = None) -> Response:
    """`row`: the theme whose rename or merge form was refused (its fields show
    the errors)."""
    run = await web.store.get(RUNS, cid, run_id)
    if run is None:
        raise HTTPException(404)
    scope = RunScope.from_data(run.get("scope"))
    online = await web.store.get(PUBLISHED, cid, published_key(scope.key))
    themes = [d for _, d in await web.store.list(THEMES, run_id, limit=200)]
    themes.sort(key=lambda t: (-t["size"], t["label"]))
    return admin_page(web, request, "synthesis/run.html", {
        "consultation": await views.consultation_or_404(web.store, cid), "base": base(cid),
        "run": run, "themes": themes, "states": RUN_STATES, "modes": MODES,
        "scope": scope_of(run, await questionnaires_of(web.store, cid)),
        "online": online and online["run_id"] == run_id,
        "errors": errors or {}, "row": row}, status=400 if errors else 200)


async def theme_page(web: Web, request: Request, cid: str, run_id: str, theme_id: str, *,
                     errors: dict[str, str] | None = None) -> Response:
    run = await web.store.get(RUNS, cid, run_id)
    found = await web.store.get(THEMES, run_id, theme_id)
    if run is None or found is None:
        raise HTTPException(404)
    docs, next_after = await sv.theme_members(
        web.store, cid, run_id, found, after=request.query_params.get("apres") or None,
        day=None, size=PAGE_SIZE)
    others = [d for _, d in await web.store.list(THEMES, run_id, limit=200)
              if d["theme_id"] != theme_id]
    return admin_page(web, request, "synthesis/run_theme.html", {
        "consultation": await views.consultation_or_404(web.store, cid), "base": base(cid),
        "run": run, "theme": found, "docs": docs, "next_after": next_after, "others": others,
        "scope": scope_of(run, await questionnaires_of(web.store, cid)),
        "kinds": sv.KIND_LABELS, "split_key": f"s-{new_id()}", "errors": errors or {}},
        status=400 if errors else 200)


@router.get("/admin/analyse/{cid}/synthese")
async def runs(request: Request, web: WebDep, cid: str) -> Response:
    await holder_of(web, request, cid, Capability.ANALYSE)
    return await runs_page(web, request, cid, number=views.page_number(request))


@router.post("/admin/analyse/{cid}/synthese/analyses")
async def start(request: Request, web: WebDep, cid: str) -> Response:
    form = await checked_form(web, request)
    who = await holder_of(web, request, cid, Capability.ANALYSE)
    values = {k: text(form, k) for k in ("mode", "n_themes", "seed", "cle", "scope")}
    try:
        n_themes, seed = int(values["n_themes"] or 8), int(values["seed"] or 0)
    except ValueError:
        return await runs_page(web, request, cid, values=values, errors={
            "n_themes": "Le nombre de thèmes et la graine sont des nombres entiers."})
    run_id = values["cle"] or new_id()
    try:
        await web.deps.send(rc.RequestThemeRun(run_id, cid, who, values["mode"] or "full",
                                               n_themes, seed,
                                               RunScope.from_key(values["scope"])))
    except DomainError as e:
        return await runs_page(web, request, cid, values=values,
                               errors={e.field or "__all__": e.message})
    await web.deps.settle()
    return RedirectResponse(f"{base(cid)}/analyses/{run_id}", status_code=303)


@router.get(RUN)
async def run(request: Request, web: WebDep, cid: str, run_id: str) -> Response:
    await holder_of(web, request, cid, Capability.ANALYSE)
    return await run_page(web, request, cid, run_id)


@router.get(RUN + "/themes/{theme_id}")
async def theme(request: Request, web: WebDep, cid: str, run_id: str,
                theme_id: str) -> Response:
    await holder_of(web, request, cid, Capability.ANALYSE)
    return await theme_page(web, request, cid, run_id, theme_id)


async def edit(web: Web, request: Request, cid: str, run_id: str, theme_id: str | None,
               build: Callable[[FormData], object]) -> Response:
    """Send the command `build(form)` makes; on refusal the page the form was on
    (`retour=theme`: the theme's, else the run's, where the theme's row holds its
    rename and merge forms) with the French message beside the field, nothing
    stored; else back to where the analyst was."""
    form = await checked_form(web, request)
    await holder_of(web, request, cid, Capability.ANALYSE)
    back = f"{base(cid)}/analyses/{run_id}"
    try:
        command = build(form)
        await web.deps.send(command)
    except DomainError as e:
        errors = {e.field or "__all__": e.message, "__all__": e.message}
        unknown = e.code == "unknown_theme" and e.field == "theme_id"
        if theme_id is not None and text(form, "retour") == "theme" and not unknown:
            return await theme_page(web, request, cid, run_id, theme_id, errors=errors)
        return await run_page(web, request, cid, run_id, errors=errors,
                              row=None if unknown else theme_id)
    await web.deps.settle()
    target = text(form, "retour")
    if target == "theme" and theme_id is not None:
        return RedirectResponse(f"{back}/themes/{theme_id}?ok=1", status_code=303)
    return RedirectResponse(f"{back}?ok=1", status_code=303)


@router.post(RUN + "/themes/{theme_id}/nom")
async def rename(request: Request, web: WebDep, cid: str, run_id: str,
                 theme_id: str) -> Response:
    return await edit(web, request, cid, run_id, theme_id, lambda f: rc.RenameTheme(
        run_id, cid, theme_id, text(f, "label")))


@router.post(RUN + "/themes/{theme_id}/fusion")
async def merge(request: Request, web: WebDep, cid: str, run_id: str,
                theme_id: str) -> Response:
    return await edit(web, request, cid, run_id, theme_id, lambda f: rc.MergeThemes(
        run_id, cid, theme_id, text(f, "into_theme_id")))


@router.post(RUN + "/themes/{theme_id}/decoupage")
async def split(request: Request, web: WebDep, cid: str, run_id: str,
                theme_id: str) -> Response:
    return await edit(web, request, cid, run_id, theme_id, lambda f: rc.SplitTheme(
        run_id, cid, theme_id, text(f, "label"), _ids(f), text(f, "cle") or new_id()))


@router.post(RUN + "/themes/{theme_id}/verbatims")
async def mark(request: Request, web: WebDep, cid: str, run_id: str,
               theme_id: str) -> Response:
    return await edit(web, request, cid, run_id, theme_id, lambda f: rc.MarkVerbatim(
        run_id, cid, theme_id, text(f, "contribution_id"), text(f, "retirer") != "1"))


@router.post(RUN + "/publication")
async def publish(request: Request, web: WebDep, cid: str, run_id: str) -> Response:
    return await edit(web, request, cid, run_id, None,
                      lambda f: rc.PublishSynthesis(run_id, cid))


def _ids(form: FormData) -> tuple[str, ...]:
    return tuple(v for v in form.getlist("contribution_ids") if isinstance(v, str))
