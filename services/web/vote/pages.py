"""Vote pages (French, DSFR, no JavaScript needed): the vote sequence with its
buttons, "mes votes", results with SVG charts and the share of votes per
identity level, the public methodology page, the admin recount page; and the
JSON vote sequence. The participant is the identity session's (never a header);
their ballots go through the bus under their own pseudonymous id."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

import numpy as np
from fastapi import APIRouter, Query
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from services.apikit.deps import rate_limited
from services.consultation.queries import CONSULTATIONS
from services.core.errors import DomainError
from services.core.participants import ParticipantContext
from services.core.values import parse_iso
from services.moderation import publication
from services.store.port import Doc, ReadStore
from services.vote import budget, model
from services.vote.commands import CastBallot, WithdrawBallot
from services.vote.items import PublishedItems, SharedPublishedItems, StorePublishedItems
from services.vote.projections import (
    BALLOTS,
    BUDGET,
    BUDGET_KEY,
    BUDGET_VOTES,
    FROZEN,
    RANKINGS,
    SETTINGS,
    TALLIES,
    tally_partition,
)
from services.vote.sequence import PhasePools, sequence_for
from services.web.authz import PARTICIPANT_FORM
from services.web.deps import Web, WebDep
from services.web.forms import admin_page, checked_form, text
from services.web.rendering import public_page
from services.web.session import session_participant
from services.web.views import consultation_or_404, keyset_cut, page_number
from services.web.vote import results as results_table
from services.web.vote.charts import ranking_rows

SEQUENCE_SIZE = 10
MY_VOTES_PAGE = 100  # a participant's ballots per page of « Mes votes »
# An item not published now keeps its counts, not its text: withdrawn by its author,
# hidden by a moderator, or edited since its approval and waiting to be read
# again (ADR 0135: « retirée » was wrong for the last).
TAKEN_OUT = "Contribution non publiée (retirée, masquée ou en attente de modération)"
PUBLISHED_ITEMS, PHASE_POOLS = "published_items", "vote_pools"  # Web.caches

router = APIRouter()


async def contributions(store: ReadStore, ids: list[str]) -> dict[str, dict[str, Any]]:
    """The items as the public sees them: moderation's public state (kind, title,
    body, masked when a moderator masked personal data, and whether it still shows),
    not the deposit's own record, which keeps the text as it was submitted."""
    return await store.get_many(publication.STATE, publication.ALL, ids) if ids else {}


def titles_of(docs: dict[str, dict[str, Any]]) -> dict[str, str]:
    return {i: d.get("title") or d.get("body", "")[:120] for i, d in docs.items()}


async def titles(store: ReadStore, ids: list[str]) -> dict[str, str]:
    return titles_of(await contributions(store, ids))


def published_items(web: Web) -> PublishedItems:
    """This front's published items, each consultation's list shared by its vote
    pages (ADR 0039)."""
    items: PublishedItems | None = web.caches.get(PUBLISHED_ITEMS)
    if items is None:
        items = web.caches[PUBLISHED_ITEMS] = SharedPublishedItems(
            StorePublishedItems(web.store), web.store.changes)
    return items


def phase_pools(web: Web) -> PhasePools:
    """This front's vote pools, each open phase's shared by its participants'
    sequences (ADR 0039)."""
    pools: PhasePools | None = web.caches.get(PHASE_POOLS)
    if pools is None:
        pools = web.caches[PHASE_POOLS] = PhasePools(web.store, published_items(web))
    return pools


async def served(web: Web, consultation: dict[str, Any], phase: dict[str, Any] | None,
                 who: ParticipantContext, size: int) -> dict[str, dict[str, Any]]:
    """The participant's sequence in the open `phase`, in its order, each item as
    the public sees it (`contributions`); nothing once the phase is closed."""
    if phase is None:
        return {}
    ids = await sequence_for(web.store, consultation, phase, who.participant_id,
                             size=size, rng=np.random.default_rng(), pools=phase_pools(web))
    docs = await contributions(web.store, ids)
    # the pools of a large phase may be seconds old: never serve what moderation took out
    return {i: docs[i] for i in ids if i in docs and publication.shows(docs[i])}


@router.get("/vote/{cid}")
async def sequence_page(cid: str, request: Request, web: WebDep) -> Response:
    who = await session_participant(web, request)
    if who is None:
        return RedirectResponse(f"/connexion?suite=/vote/{cid}", 303)
    consultation = await consultation_or_404(web.store, cid, published=True)
    phase = model.vote_phase_open(consultation, datetime.now(UTC))
    docs = await served(web, consultation, phase, who, SEQUENCE_SIZE)
    ids = list(docs)
    actions = set(phase.get("actions") or ()) if phase else set()
    method: dict[str, Any] = {"qualifications": [], "support_threshold": 0}
    if phase is not None:
        method = model.method_of(phase, await web.store.get(SETTINGS, "all", cid))
    supports: dict[str, int] = {}
    supported: set[str] = set()
    if phase is not None and model.KINDS["support"] in actions and ids:
        found = await web.store.get_many(TALLIES, tally_partition(cid, phase["phase_id"]), ids)
        supports = {i: t["support"]["total"] for i, t in found.items()}
        mine = await web.store.get_many(
            BALLOTS, who.participant_id,
            [model.ballot_key(phase["phase_id"], "support", i) for i in ids])
        supported = {d["item_id"] for d in mine.values() if not d.get("withdrawn")}
    return admin_page(web, request, "vote/sequence.html", {
        "consultation": consultation, "items": ids, "titles": titles_of(docs),
        "qualifications": {q: model.QUALIFICATIONS[q] for q in method["qualifications"]},
        "phase": phase, "threshold": method["support_threshold"], "supports": supports,
        "supported": supported, "sent": CAST_SAID.get(request.query_params.get("vote", ""), ""),
        "agree": model.KINDS["agree"] in actions,
        "support": model.KINDS["support"] in actions,
        "ranking": "vote_ranking" in actions, "budget": budget.ACTION in actions})


# What the sequence page says after a ballot (`?vote=`): the page itself no longer
# shows an item voted on (agree), and a support only turns its button.
CAST_SAID = {"accord": "Votre vote est enregistré.",
             "soutien": "Votre soutien est enregistré.",
             "accord-soutien": "Votre vote et votre soutien sont enregistrés.",
             "retrait": "Votre soutien est retiré."}


@router.get("/api/consultations/{cid}/sequence")
async def sequence_json(cid: str, request: Request, web: WebDep,
                        size: int = Query(SEQUENCE_SIZE, ge=1, le=50)) -> Response:
    who = await session_participant(web, request)
    if who is None:
        return JSONResponse({"error": "unauthenticated", "message": "Connectez-vous "
                             "pour voter.", "field": None}, status_code=401)
    consultation = await consultation_or_404(web.store, cid, published=True)
    phase = model.vote_phase_open(consultation, datetime.now(UTC))
    return JSONResponse({"items": list(await served(web, consultation, phase, who, size))})


# `ref`: an item id is never a page name, so /vote/{cid}/classement is the ranking's.
@router.post("/vote/{cid}/{item_id:ref}",
             dependencies=[*PARTICIPANT_FORM, rate_limited("vote")])
async def cast(cid: str, item_id: str, request: Request, web: WebDep) -> Response:
    who = await session_participant(web, request)
    if who is None:
        return RedirectResponse(f"/connexion?suite=/vote/{cid}", 303)
    form = await checked_form(web, request)
    kind, choice = text(form, "kind") or "agree", text(form, "choice")
    commands: list[Any]
    if choice == "retirer":
        commands, said = [WithdrawBallot(item_id, who, kind)], "retrait"
    else:
        quals = tuple(v for v in form.getlist("qualifications") if isinstance(v, str))
        commands = [CastBallot(item_id, who, kind, choice, quals)]
        said = "accord" if kind == "agree" else "soutien"
        if kind == "agree" and text(form, "soutien") == "oui":
            # a phase with both kinds: an item voted on leaves the sequence, so
            # its support is sent with the vote (its own button would be gone)
            commands.append(CastBallot(item_id, who, "support", "support"))
            said = "accord-soutien"
    try:
        for command in commands:
            await web.send_as(who.participant_id, command)
    except DomainError as e:
        return admin_page(web, request, "error.html", {
            "heading": "Vote refusé", "message": e.message}, status=400)
    await web.deps.settle()
    back = text(form, "suite")
    return RedirectResponse(back if back.startswith("/") and not back.startswith("//")
                            else f"/vote/{cid}?vote={said}", 303)


@router.get("/mes-votes")
async def my_votes(request: Request, web: WebDep,
                   apres: str = Query("", max_length=300)) -> Response:
    """A participant's ballots, a page at a time in the read model's key order
    (phase, kind, item): a vote sequence leads to hundreds, and each must stay
    reachable to be withdrawn (the first 200 rows only were shown before)."""
    who = await session_participant(web, request)
    if who is None:
        return RedirectResponse("/connexion?suite=/mes-votes", 303)
    rows, next_key = keyset_cut(await web.store.list(
        BALLOTS, who.participant_id, limit=MY_VOTES_PAGE + 1, after=apres or None),
        MY_VOTES_PAGE, key=lambda row: row[0])
    ballots = [doc for _, doc in rows if not doc.get("withdrawn") and doc.get("item_id")]
    # participatory budget ballots (ADR 0067): the projects chosen and their total
    budgets = [{**doc, "total_label": budget.euros(doc["total"])} for _, doc in rows
               if doc.get("kind") == "budget" and doc.get("projects")]
    docs = [doc for _, doc in rows]
    phases = await PhasesOf.read(web.store, docs)  # one read for the page's three kinds
    rankings = await my_rankings(web.store, docs, phases)
    ballots = [{**b, "changeable": phases.still_open(b, model.KINDS.get(b["kind"], ""))}
               for b in ballots]
    budgets = [{**b, "changeable": phases.still_open(b, budget.ACTION)} for b in budgets]
    ids = [b["item_id"] for b in ballots] + [p for b in budgets for p in b["projects"]] \
        + [i for r in rankings for i in r["items"]]
    here = f"/mes-votes?apres={quote(apres, safe='')}" if apres else "/mes-votes"
    return admin_page(web, request, "vote/my_votes.html", {
        "ballots": ballots, "budgets": budgets, "rankings": rankings,
        "titles": await titles(web.store, ids),
        "here": here, "first_page": not apres, "next": next_key})


class PhasesOf:
    """The consultations a page of ballots is about, read once, and the one rule of
    whether a ballot may still be withdrawn or changed: its phase is open now and
    offers its kind (« Retirer mon vote » was offered on a closed phase's ballot,
    and refused with « il n'est pas possible de voter … en ce moment »)."""

    def __init__(self, consultations: dict[str, Doc], now: datetime) -> None:
        self.consultations, self.now = consultations, now

    @classmethod
    async def read(cls, store: ReadStore, docs: list[dict[str, Any]]) -> PhasesOf:
        cids = sorted({d["consultation_id"] for d in docs if d.get("consultation_id")})
        consultations = await store.get_many(CONSULTATIONS, "all", cids) if cids else {}
        return cls(consultations, datetime.now(UTC))  # phases: on the server clock

    def consultation(self, doc: dict[str, Any]) -> Doc:
        return self.consultations.get(doc.get("consultation_id", "")) or {}

    def phase(self, doc: dict[str, Any]) -> dict[str, Any] | None:
        return next((p for p in self.consultation(doc).get("phases", [])
                     if p["phase_id"] == doc.get("phase_id")), None)

    def still_open(self, doc: dict[str, Any], action: str) -> bool:
        phase = self.phase(doc)
        return phase is not None and parse_iso(phase["starts_at"]) <= self.now \
            and model.is_open(phase, self.now) and action in (phase.get("actions") or ())


async def my_rankings(store: ReadStore, docs: list[dict[str, Any]],
                      phases: PhasesOf | None = None) -> list[dict[str, Any]]:
    """The rankings among a page of ballots (an empty one is a withdrawn ranking),
    each with its phase's and consultation's titles and whether it may still be
    changed (`PhasesOf.still_open`: an open phase offering a ranking is the one the
    ranking form is about, the latest vote phase started)."""
    rankings = [d for d in docs if d.get("kind") == "ranking" and d.get("items")]
    phases = phases or await PhasesOf.read(store, rankings)
    return [{**r, "consultation_title": phases.consultation(r).get("title", ""),
             "phase_title": (phases.phase(r) or {}).get("title", ""),
             "changeable": phases.still_open(r, "vote_ranking")} for r in rankings]


@router.get("/vote/{cid}/resultats")
async def results(cid: str, request: Request, web: WebDep,
                  phase: str = Query("", max_length=100)) -> Response:
    """Every started vote phase's results, one tab each (ADR 0062); `phase`
    selects the tab shown first (the latest by default, and without JavaScript
    the only one shown), `page` the page of its items (the others show their
    first)."""
    store = web.store
    consultation = await consultation_or_404(store, cid, published=True)
    now = datetime.now(UTC)  # phases are authoritative on the server clock
    settings = await store.get(SETTINGS, "all", cid)
    started = model.started_vote_phases(consultation, now)
    latest = model.latest_vote_phase(consultation, now)
    selected = next((p["phase_id"] for p in started if p["phase_id"] == phase),
                    latest["phase_id"] if latest else "")
    number = page_number(request)
    tabs = [await phase_results(web, cid, p, now, settings,
                                number if p["phase_id"] == selected else 1)
            for p in started]
    ids = [row["item_id"] for tab in tabs for row in tab["table"]["rows"] + tab["ranked"]]
    ids += [row["project_id"] for tab in tabs for env in tab["budget"] for row in env["rows"]]
    docs = await contributions(store, ids)
    shown = {i for i, doc in docs.items() if publication.shows(doc)}
    # Proposals have a public page; arguments are read on their proposal's.
    links = {i: f"/consultations/{consultation['slug']}/propositions/{i}"
             for i, d in docs.items() if d.get("kind") == "proposal" and i in shown}
    return public_page(request, web.env, "vote/results.html", {
        "consultation": consultation, "tabs": tabs, "selected": selected,
        "titles": {i: title if i in shown else TAKEN_OUT
                   for i, title in titles_of(docs).items()}, "links": links,
        "qualification_labels": model.QUALIFICATIONS})


async def phase_results(web: Web, cid: str, phase: dict[str, Any], now: datetime,
                        settings: dict[str, Any] | None, number: int = 1) -> dict[str, Any]:
    """One phase's results: frozen once closed and recounted, live before; page
    `number` of its items (`results.py`)."""
    store = web.store
    frozen = await store.get(FROZEN, cid, phase["phase_id"])
    ranking = (frozen["rankings"] if frozen is not None
               else await store.get(RANKINGS, cid, phase["phase_id"]))
    table = await results_table.table_of(web, cid, phase, frozen is not None)
    actions = set(phase.get("actions") or ())
    return {"phase": phase, "frozen": frozen is not None,
            "budget": await budget_results(store, cid, phase, frozen),
            "closed": not model.is_open(phase, now),
            "table": results_table.page_of(table, number),
            "order": results_table.order_of(phase),
            "ranked": ranking_rows(ranking), "ballots": (ranking or {}).get("ballots", 0),
            "levels": table.levels, "agree": model.KINDS["agree"] in actions,
            "support": model.KINDS["support"] in actions,
            "threshold": model.method_of(phase, settings)["support_threshold"]}


async def budget_results(store: ReadStore, cid: str, phase: dict[str, Any],
                         frozen: dict[str, Any] | None) -> list[dict[str, Any]]:
    """A participatory budget phase's results per envelope (ADR 0067): frozen
    with the budget as it stood at the freeze, else live."""
    if budget.ACTION not in (phase.get("actions") or ()):
        return []
    if frozen is not None and frozen.get("budget"):
        state, votes = frozen["budget"], frozen["budget"]["votes"]
    else:
        state = await store.get(BUDGET, cid, BUDGET_KEY) or {"envelopes": {}, "costs": {}}
        votes = await store.get(BUDGET_VOTES, cid, phase["phase_id"]) or {}
    out = budget.results(state, votes)
    for env in out:
        env["name"] = env["territory"] or "Toute la consultation"
        env["label"], env["spent_label"] = budget.euros(env["amount"]), budget.euros(env["spent"])
        for row in env["rows"]:
            row["label"] = budget.euros(row["cost"])
    return out


@router.get("/methodologie/vote")
async def methodology(request: Request, web: WebDep) -> Response:
    return public_page(request, web.env, "vote/methodology.html", {})
