"""Analyst and organiser synthesis pages (no JavaScript; CSRF on every POST).

- `/admin/analyse/<cid>/synthese`: runs (start a full run or an update; a run
  executes in the job, the page shows its state), a run's themes to rename,
  merge, split and mark verbatims in, and its publication;
- `/admin/consultations/<cid>/suites`: the organiser's responses and decisions
  with their status over time.
The identity guard admits analysts (organisers, admins) of <cid> to the first,
organisers to the second; the routes check the role again."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from services.core.errors import DomainError, NotFound
from services.core.ids import new_id
from services.identity.queries import Capability, may
from services.store.port import Doc
from services.synthesis.followup import model as fm
from services.synthesis.followup.tables import RESPONSES
from services.synthesis.runs import commands as rc
from services.synthesis.runs.tables import ALL, PUBLISHED, RUNS, THEMES
from services.web.deps import Web
from services.web.forms import admin_page, checked_form, text
from services.web.session import visitor
from services.web.synthesis import views as sv

PAGE_SIZE = 50
MODES = {"full": "Analyse complète", "incremental": "Mise à jour (nouvelles contributions)"}
RUN_STATES = {"pending": "En cours", "done": "Terminée", "failed": "Échec"}


def routes(web: Web) -> APIRouter:
    router = APIRouter()
    store = web.deps.store

    async def consultation(cid: str) -> Doc:
        doc = await store.get("consultation_detail", "all", cid)
        if doc is None:
            raise HTTPException(404)
        return doc

    async def analyst(request: Request, cid: str) -> str:
        who = visitor(web, request)
        if who is None:
            raise HTTPException(403, "Connectez-vous avec un rôle d'analyste.")
        if not who.is_admin and not await may(store, who.id, cid, Capability.ANALYSE):
            raise HTTPException(403, "Il faut le rôle d'analyste sur cette consultation.")
        return who.id

    async def organiser(request: Request, cid: str) -> None:
        who = visitor(web, request)
        if who is None:
            raise HTTPException(403, "Connectez-vous avec un rôle d'organisateur.")
        if not who.is_admin and not await may(store, who.id, cid, Capability.MANAGE):
            raise HTTPException(403, "Il faut le rôle d'organisateur sur cette consultation.")

    def base(cid: str) -> str:
        return f"/admin/analyse/{cid}/synthese"

    async def runs_page(request: Request, cid: str, *, errors: dict[str, str] | None = None,
                        values: dict[str, str] | None = None) -> Response:
        runs = [d for _, d in await store.list(RUNS, cid, limit=200)]
        runs.sort(key=lambda r: r.get("requested_at", ""), reverse=True)
        return admin_page(web, request, "synthesis/runs.html", {
            "consultation": await consultation(cid), "base": base(cid), "runs": runs,
            "modes": MODES, "states": RUN_STATES, "run_key": new_id(),
            "published": await store.get(PUBLISHED, ALL, cid),
            "values": values or {}, "errors": errors or {}},
            status=400 if errors else 200)

    async def run_page(request: Request, cid: str, run_id: str, *,
                       errors: dict[str, str] | None = None) -> Response:
        run = await store.get(RUNS, cid, run_id)
        if run is None:
            raise HTTPException(404)
        themes = [d for _, d in await store.list(THEMES, run_id, limit=200)]
        themes.sort(key=lambda t: (-t["size"], t["label"]))
        return admin_page(web, request, "synthesis/run.html", {
            "consultation": await consultation(cid), "base": base(cid), "run": run,
            "themes": themes, "states": RUN_STATES, "modes": MODES,
            "errors": errors or {}}, status=400 if errors else 200)

    @router.get("/admin/analyse/{cid}/synthese")
    async def runs(request: Request, cid: str) -> Response:
        await analyst(request, cid)
        return await runs_page(request, cid)

    @router.post("/admin/analyse/{cid}/synthese/analyses")
    async def start(request: Request, cid: str) -> Response:
        form = await checked_form(web, request)
        who = await analyst(request, cid)
        values = {k: text(form, k) for k in ("mode", "n_themes", "seed", "cle")}
        try:
            n_themes, seed = int(values["n_themes"] or 8), int(values["seed"] or 0)
        except ValueError:
            return await runs_page(request, cid, values=values, errors={
                "n_themes": "Le nombre de thèmes et la graine sont des nombres entiers."})
        run_id = values["cle"] or new_id()
        try:
            await web.deps.send(rc.RequestThemeRun(run_id, cid, who, values["mode"] or "full",
                                                   n_themes, seed))
        except DomainError as e:
            return await runs_page(request, cid, values=values,
                                   errors={e.field or "__all__": e.message})
        await web.deps.settle()
        return RedirectResponse(f"{base(cid)}/analyses/{run_id}", status_code=303)

    @router.get("/admin/analyse/{cid}/synthese/analyses/{run_id}")
    async def run(request: Request, cid: str, run_id: str) -> Response:
        await analyst(request, cid)
        return await run_page(request, cid, run_id)

    @router.get("/admin/analyse/{cid}/synthese/analyses/{run_id}/themes/{theme_id}")
    async def theme(request: Request, cid: str, run_id: str, theme_id: str) -> Response:
        await analyst(request, cid)
        return await theme_page(request, cid, run_id, theme_id)

    async def theme_page(request: Request, cid: str, run_id: str, theme_id: str, *,
                         errors: dict[str, str] | None = None) -> Response:
        run = await store.get(RUNS, cid, run_id)
        found = await store.get(THEMES, run_id, theme_id)
        if run is None or found is None:
            raise HTTPException(404)
        docs, next_after = await sv.theme_members(
            store, cid, run_id, found, after=request.query_params.get("apres") or None,
            day=None, size=PAGE_SIZE)
        others = [d for _, d in await store.list(THEMES, run_id, limit=200)
                  if d["theme_id"] != theme_id]
        return admin_page(web, request, "synthesis/run_theme.html", {
            "consultation": await consultation(cid), "base": base(cid), "run": run,
            "theme": found, "docs": docs, "next_after": next_after, "others": others,
            "kinds": sv.KIND_LABELS, "split_key": f"s-{new_id()}", "errors": errors or {}},
            status=400 if errors else 200)

    async def edit(request: Request, cid: str, run_id: str, theme_id: str | None,
                   build: Any) -> Response:
        """Send the command `build(form)` makes; on refusal the same page with the
        French message, nothing stored; else back to where the analyst was."""
        form = await checked_form(web, request)
        await analyst(request, cid)
        back = f"{base(cid)}/analyses/{run_id}"
        try:
            command = build(form)
            await web.deps.send(command)
        except DomainError as e:
            errors = {e.field or "__all__": e.message, "__all__": e.message}
            if theme_id is not None and not (e.code == "unknown_theme"
                                             and e.field == "theme_id"):
                return await theme_page(request, cid, run_id, theme_id, errors=errors)
            return await run_page(request, cid, run_id, errors=errors)
        await web.deps.settle()
        target = text(form, "retour")
        if target == "theme" and theme_id is not None:
            return RedirectResponse(f"{back}/themes/{theme_id}?ok=1", status_code=303)
        return RedirectResponse(f"{back}?ok=1", status_code=303)

    prefix = "/admin/analyse/{cid}/synthese/analyses/{run_id}"

    @router.post(prefix + "/themes/{theme_id}/nom")
    async def rename(request: Request, cid: str, run_id: str, theme_id: str) -> Response:
        return await edit(request, cid, run_id, theme_id, lambda f: rc.RenameTheme(
            run_id, cid, theme_id, text(f, "label")))

    @router.post(prefix + "/themes/{theme_id}/fusion")
    async def merge(request: Request, cid: str, run_id: str, theme_id: str) -> Response:
        return await edit(request, cid, run_id, theme_id, lambda f: rc.MergeThemes(
            run_id, cid, theme_id, text(f, "into_theme_id")))

    @router.post(prefix + "/themes/{theme_id}/decoupage")
    async def split(request: Request, cid: str, run_id: str, theme_id: str) -> Response:
        return await edit(request, cid, run_id, theme_id, lambda f: rc.SplitTheme(
            run_id, cid, theme_id, text(f, "label"), _ids(f), text(f, "cle") or new_id()))

    @router.post(prefix + "/themes/{theme_id}/verbatims")
    async def mark(request: Request, cid: str, run_id: str, theme_id: str) -> Response:
        return await edit(request, cid, run_id, theme_id, lambda f: rc.MarkVerbatim(
            run_id, cid, theme_id, text(f, "contribution_id"), text(f, "retirer") != "1"))

    @router.post(prefix + "/publication")
    async def publish(request: Request, cid: str, run_id: str) -> Response:
        return await edit(request, cid, run_id, None,
                          lambda f: rc.PublishSynthesis(run_id, cid))

    # -- follow-up (organisers) -------------------------------------------------

    async def followup_page(request: Request, cid: str, *,
                            errors: dict[str, str] | None = None,
                            values: dict[str, Any] | None = None) -> Response:
        responses = [d for _, d in await store.list(RESPONSES, cid, limit=200)]
        responses.sort(key=lambda r: r["published_at"], reverse=True)
        return admin_page(web, request, "synthesis/followup.html", {
            "consultation": await consultation(cid), "responses": responses,
            "published": await store.get(PUBLISHED, ALL, cid), "statuses": fm.STATUSES,
            "response_key": new_id(), "values": values or {}, "errors": errors or {}},
            status=400 if errors else 200)

    @router.get("/admin/consultations/{cid}/suites")
    async def followup(request: Request, cid: str) -> Response:
        await organiser(request, cid)
        return await followup_page(request, cid)

    @router.post("/admin/consultations/{cid}/suites")
    async def respond(request: Request, cid: str) -> Response:
        form = await checked_form(web, request)
        await organiser(request, cid)
        values: dict[str, Any] = {k: text(form, k) for k in ("title", "body", "status",
                                                            "proposal_ids", "cle")}
        values["theme_ids"] = [v for v in form.getlist("theme_ids") if isinstance(v, str)]
        command = fm.PublishResponse(
            values["cle"] or new_id(), cid, values["title"], values["body"], values["status"],
            tuple(values["theme_ids"]), tuple(values["proposal_ids"].split()))
        try:
            await web.deps.send(command)
        except DomainError as e:
            return await followup_page(request, cid, values=values,
                                       errors={e.field or "__all__": e.message})
        await web.deps.settle()
        return RedirectResponse(f"/admin/consultations/{cid}/suites?ok=1", status_code=303)

    @router.post("/admin/consultations/{cid}/suites/{response_id}/statut")
    async def status(request: Request, cid: str, response_id: str) -> Response:
        form = await checked_form(web, request)
        await organiser(request, cid)
        try:
            await web.deps.send(fm.ChangeResponseStatus(response_id, cid, text(form, "status"),
                                                        text(form, "note")))
        except NotFound:
            raise HTTPException(404) from None
        except DomainError as e:
            return await followup_page(request, cid, errors={
                f"status-{response_id}": e.message, "__all__": e.message})
        await web.deps.settle()
        return RedirectResponse(f"/admin/consultations/{cid}/suites?ok=1", status_code=303)

    return router


def _ids(form: FormData) -> tuple[str, ...]:
    return tuple(v for v in form.getlist("contribution_ids") if isinstance(v, str))
