"""The participatory budget ballot (French, DSFR, no JavaScript; ADR 0067): per
envelope, its projects with their costs as checkboxes; the participant sends one
envelope's choice and the server adds it up. A selection over the envelope comes
back refused with its total and the envelope in French, the boxes kept checked,
nothing stored."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from services.apikit.deps import rate_limited
from services.core.errors import DomainError, NotFound
from services.core.participants import ParticipantContext
from services.store.port import ReadStore
from services.vote import budget, model
from services.vote.commands import CastBudgetBallot
from services.vote.items import PUBLISHED, StorePublishedItems
from services.vote.projections import BALLOTS, BUDGET, BUDGET_KEY, budget_key
from services.web.authz import PARTICIPANT_FORM
from services.web.deps import Web, WebDep
from services.web.forms import admin_page, checked_form, text
from services.web.session import session_participant
from services.web.views import consultation_or_404
from services.web.vote.pages import contributions

router = APIRouter()


async def budget_doc(store: ReadStore, cid: str) -> dict[str, Any]:
    return await store.get(BUDGET, cid, BUDGET_KEY) or {"envelopes": {}, "costs": {}}


async def envelopes(store: ReadStore, cid: str, *, published_only: bool = True
                    ) -> list[dict[str, Any]]:
    """The budget's envelopes, each with its projects {project_id, title, cost,
    label}, for the ballot and the back office (titles from the contributions)."""
    doc = await budget_doc(store, cid)
    ids = list(doc["costs"])
    docs = await contributions(store, ids)  # as the public sees them
    items = StorePublishedItems(store)
    out = []
    for eid, env in sorted(doc["envelopes"].items(), key=lambda kv: kv[1]["territory"]):
        projects = []
        for pid, cost in doc["costs"].items():
            if cost["envelope_id"] != eid:
                continue
            if published_only:
                item = await items.get(pid)
                if item is None or item.status != PUBLISHED:
                    continue  # hidden or withdrawn: no longer offered
            projects.append({"project_id": pid, "cost": cost["cost"],
                             "label": budget.euros(cost["cost"]),
                             "title": (docs.get(pid) or {}).get("title") or pid})
        out.append({**env, "name": env["territory"] or "Toute la consultation",
                    "label": budget.euros(env["amount"]),
                    "projects": sorted(projects, key=lambda p: p["title"])})
    return out


async def ballot_page(web: Web, request: Request, cid: str, who: ParticipantContext,
                      chosen: tuple[str, str] | None = None, error: str = "",
                      status: int = 200, total: int | None = None) -> Response:
    """The ballot; `chosen` (envelope, projects) preselects a refused choice,
    else the participant's saved ballot."""
    store = web.store
    consultation = await consultation_or_404(store, cid, published=True)
    now = datetime.now(UTC)  # phases are authoritative on the server clock
    phase = model.latest_vote_phase(consultation, now)
    offered = phase is not None and budget.ACTION in (phase.get("actions") or ())
    mine = await store.get(BALLOTS, who.participant_id, budget_key(phase["phase_id"])) \
        if phase is not None else None
    selected_envelope, selected = ("", set[str]())
    if chosen is not None:
        selected_envelope, selected = chosen[0], set(chosen[1].split("\n")) - {""}
    elif mine and mine.get("projects"):
        selected_envelope, selected = mine["envelope_id"], set(mine["projects"])
    return admin_page(web, request, "vote/budget.html", {
        "consultation": consultation, "phase": phase, "offered": offered,
        "open_now": model.is_open(phase, now), "envelopes": await envelopes(store, cid),
        "selected_envelope": selected_envelope, "selected": selected, "error": error,
        "total": budget.euros(total) if total is not None else "",
        "saved": request.query_params.get("ok") == "1",
        "withdrawn": request.query_params.get("retire") == "1",
        "mine_total": budget.euros(mine["total"]) if mine and mine.get("projects") else ""},
        status=status)


@router.get("/vote/{cid}/budget")
async def ballot_form(cid: str, request: Request, web: WebDep) -> Response:
    who = await session_participant(web, request)
    if who is None:
        return RedirectResponse(f"/connexion?suite=/vote/{cid}/budget", 303)
    return await ballot_page(web, request, cid, who)


@router.post("/vote/{cid}/budget", dependencies=[*PARTICIPANT_FORM, rate_limited("vote")])
async def cast(cid: str, request: Request, web: WebDep) -> Response:
    who = await session_participant(web, request)
    if who is None:
        return RedirectResponse(f"/connexion?suite=/vote/{cid}/budget", 303)
    form = await checked_form(web, request)
    envelope = text(form, "enveloppe")
    projects = tuple(dict.fromkeys(v for v in form.getlist("projets") if isinstance(v, str)))
    chosen = (envelope, "\n".join(projects))
    try:
        await web.send_as(who.participant_id, CastBudgetBallot(cid, who, envelope, projects))
    except NotFound:
        return await ballot_page(web, request, cid, who, chosen,
                                 "Cette consultation n'existe pas.", 404)
    except DomainError as e:
        doc = await budget_doc(web.store, cid)
        total = sum(int(doc["costs"][p]["cost"]) for p in projects if p in doc["costs"])
        return await ballot_page(web, request, cid, who, chosen, e.message, 400, total)
    await web.deps.settle()
    return RedirectResponse(f"/vote/{cid}/budget?{'ok' if projects else 'retire'}=1", 303)
