"""The back office's recount page: every tally recounted from the vote log and
compared with the results shown (live) and frozen, one consultation's differences
said in an organiser's words: the phase's title, the proposal's, which results
disagree and by what counts (the operator's lines are `parlons recount`'s)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from services.core.plurals import french_count
from services.core.shared_computation import Policy, SharedComputations
from services.eventlog.port import Position, ends_of
from services.vote.recount import TOPIC as RECOUNTED
from services.vote.recount import Difference, differences
from services.vote.tally import AGREE_CHOICES
from services.web.deps import Web, WebDep
from services.web.forms import admin_page
from services.web.views import consultation_or_404
from services.web.vote.pages import titles

RECOUNTS = "recounts"  # Web.caches
RECOUNT_POLICY = Policy(quick_s=1.0, gap_s=60.0)
AGAINST = {"projection": "Résultats affichés en direct", "frozen": "Résultats figés"}
AGREE_WORDS = {"agree": "pour", "disagree": "contre", "neutral": "neutre"}

router = APIRouter()


@router.get("/admin/consultations/{cid}/recomptage")
async def recount_page(cid: str, request: Request, web: WebDep) -> Response:
    """The tallies recomputed from the event log, against the read models: every
    consultation's at once, shared by the views (ADR 0039), this one's shown."""
    consultation = await consultation_or_404(web.store, cid)
    shown = await _recounts(web).shown("all")
    mine = [d for d in shown.kept.value if d.consultation_id == cid]
    names = await titles(web.store, sorted({d.item_id for d in mine if d.item_id}))
    phases = {p["phase_id"]: p["title"] for p in consultation.get("phases") or ()}
    return admin_page(web, request, "vote/recount.html", {
        "consultation": consultation, "computed_at": shown.kept.computed_at,
        "behind": shown.behind, "refreshing": shown.refreshing, "next_in": shown.next_in,
        "differences": [_row(d, phases, names) for d in mine],
        "live": any(d.against == "projection" for d in mine),
        "frozen": any(d.against == "frozen" for d in mine)})


def _row(d: Difference, phases: dict[str, str], names: dict[str, str]) -> dict[str, Any]:
    recounted, shown = _said(d.subject, d.recounted), _said(d.subject, d.shown)
    if recounted == shown:  # the totals agree: what differs is in their detail
        shown += " (même total, répartition par niveau d'identité ou qualifications différente)"
    subject = {"ranking": "Classement des propositions",
               "budget": "Budget participatif"}.get(d.subject)
    return {"phase": phases.get(d.phase_id, d.phase_id), "subject": subject,
            "item_id": d.item_id, "title": names.get(d.item_id, ""),
            "against": AGAINST[d.against], "recounted": recounted, "shown": shown}


def _said(subject: str, counts: dict[str, Any]) -> str:
    """One side's counts in words: « 3 soutiens », « pour 2, contre 1, neutre 0 »,
    « 12 bulletins de classement », « 4 bulletins, 9 voix »; « aucun vote »."""
    if not counts:
        return "aucun vote"
    if subject == "ranking":
        return french_count(counts["ballots"], "bulletin") + " de classement"
    if subject == "budget":
        ballots = sum(env["ballots"] for env in counts.values())
        votes = sum(sum(env["projects"].values()) for env in counts.values())
        return f"{french_count(ballots, 'bulletin')}, {french_count(votes, 'voix', 'voix')}"
    parts = []
    if counts["support"]["total"]:
        parts.append(french_count(counts["support"]["total"], "soutien"))
    if any(counts["agree"][c] for c in AGREE_CHOICES):
        parts.append(", ".join(f"{AGREE_WORDS[c]} {counts['agree'][c]}" for c in AGREE_CHOICES))
    return " ; ".join(parts) or "aucun vote"


def _recounts(web: Web) -> SharedComputations[list[Difference]]:
    """The recount reads the whole vote log and every tally: made again at each view
    while it takes under a second, at most every minute beyond (a national vote's
    millions of ballots: tens of seconds a view)."""
    recounts: SharedComputations[list[Difference]] | None = web.caches.get(RECOUNTS)
    if recounts is None:
        async def marker(_: str) -> tuple[int, dict[str, Position]] | None:
            version = web.store.changes()
            return None if version is None else (version, await ends_of(web.log, [RECOUNTED]))

        async def recount(_: str) -> list[Difference]:
            return await differences(web.log, web.store)

        recounts = web.caches[RECOUNTS] = SharedComputations(
            "vote recount", recount, marker, RECOUNT_POLICY)
    return recounts
