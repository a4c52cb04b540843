"""The ranking form (French, DSFR, no JavaScript): a participant orders up to
the phase's `ranking_max` of its published items with one drop-down list per rank, and sends the
whole ranking at once; an empty form withdraws it. A refused ranking (the same
item twice, too many, an item hidden or withdrawn meanwhile, the phase closed)
comes back with the French reason and the participant's choices kept, nothing
stored. Results by Borda count and first choices are on the results page."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from services.apikit.deps import rate_limited
from services.core.errors import DomainError, NotFound
from services.core.participants import ParticipantContext
from services.vote import model
from services.vote.commands import CastRanking
from services.vote.projections import BALLOTS, SETTINGS, ranking_key
from services.web.authz import PARTICIPANT_FORM
from services.web.deps import Web, WebDep
from services.web.forms import admin_page, checked_form, text
from services.web.session import session_participant
from services.web.views import consultation_or_404
from services.web.vote.pages import contributions, published_items

# Items offered in each drop-down list, oldest first: a ranking phase is meant for
# a short list, and the page must stay bounded whatever the consultation's size.
CHOICES_MAX = 200
RANK_FIELD = "rang-{}"

router = APIRouter()


async def ranking_page(web: Web, request: Request, cid: str, who: ParticipantContext,
                       chosen: list[str] | None, error: str = "", status: int = 200,
                       saved: bool = False) -> Response:
    """The form, with `chosen` (or the participant's saved ranking) preselected."""
    store = web.store
    consultation = await consultation_or_404(store, cid, published=True)
    now = datetime.now(UTC)  # phases are authoritative on the server clock
    phase = model.latest_vote_phase(consultation, now)
    settings = await store.get(SETTINGS, "all", cid)
    size = int(model.method_of(phase, settings)["ranking_max"]) if phase \
        else int(model.DEFAULT_SETTINGS["ranking_max"])
    # only the items this phase puts to the vote (deposited in its sources)
    belongs = model.phase_items(phase, consultation) if phase else (lambda item: False)
    items = [i for i in await published_items(web).in_consultation(cid)
             if belongs(i)][:CHOICES_MAX]
    docs = await contributions(store, [i.item_id for i in items])  # as the public sees them
    options = [("", "— aucune —")] + [
        (i.item_id, (docs.get(i.item_id) or {}).get("title") or i.item_id) for i in items]
    if chosen is None and phase is not None:
        mine = await store.get(BALLOTS, who.participant_id, ranking_key(phase["phase_id"]))
        chosen = list(mine["items"]) if mine else []
    chosen = (chosen or []) + [""] * size
    ranks = [(RANK_FIELD.format(n + 1), _rank_label(n + 1), chosen[n]) for n in range(size)]
    # the form only while a phase offering a ranking is open (else it is refused)
    offered = phase is not None and "vote_ranking" in (phase.get("actions") or ())
    return admin_page(web, request, "vote/ranking.html", {
        "consultation": consultation, "phase": phase, "ranks": ranks, "options": options,
        "size": size, "error": error, "saved": saved, "open_now": model.is_open(phase, now),
        "offered": offered}, status=status)


@router.get("/vote/{cid}/classement")
async def ranking_form(cid: str, request: Request, web: WebDep) -> Response:
    who = await session_participant(web, request)
    if who is None:
        return RedirectResponse(f"/connexion?suite=/vote/{cid}/classement", 303)
    return await ranking_page(web, request, cid, who, None,
                              saved=request.query_params.get("ok") == "1")


@router.post("/vote/{cid}/classement",
             dependencies=[*PARTICIPANT_FORM, rate_limited("vote")])
async def rank(cid: str, request: Request, web: WebDep) -> Response:
    who = await session_participant(web, request)
    if who is None:
        return RedirectResponse(f"/connexion?suite=/vote/{cid}/classement", 303)
    form = await checked_form(web, request)
    fields = sorted((k for k in form if k.startswith("rang-") and k[5:].isdecimal()),
                    key=lambda k: int(k[5:]))
    chosen = [text(form, k) for k in fields]
    ranked = tuple(c for c in chosen if c)  # blank ranks are skipped, order kept
    try:
        await web.send_as(who.participant_id, CastRanking(cid, who, ranked))
    except NotFound:
        return await ranking_page(web, request, cid, who, chosen,
                                  "Cette consultation n'existe pas.", 404)
    except DomainError as e:
        return await ranking_page(web, request, cid, who, chosen, e.message, 400)
    await web.deps.settle()
    return RedirectResponse(f"/vote/{cid}/classement?ok=1", 303)


def _rank_label(n: int) -> str:
    return "1er choix" if n == 1 else f"{n}e choix"
