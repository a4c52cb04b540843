"""« Mes rencontres »: the meetings a participant registered for or waits for, to
come first (soonest first), then those gone (latest first), each with its state
and its page (where the registration is cancelled, and its calendar file).

Read from the registrations' read model (`meeting_registrations`, by participant,
what the personal-data export lists) and the meetings' current documents: a
meeting moved or renamed since the registration is shown as it is now. The
meeting's page decides on the log (`load_meeting`): this list may lag it by the
projection's delay, never contradict what a form does."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from services.consultation.projections import DETAIL
from services.consultation.projections_meetings import MEETINGS
from services.consultation.queries import meeting_registrations_of
from services.core.values import parse_iso
from services.store.port import ReadStore
from services.web import views
from services.web.deposit.forms import participant
from services.web.deps import WebDep
from services.web.forms import admin_page

router = APIRouter()


@router.get("/mes-rencontres")
async def my_meetings(request: Request, web: WebDep) -> Response:
    who = await participant(web, request)
    if who is None:
        return RedirectResponse("/connexion?suite=/mes-rencontres", status_code=303)
    rows = await registered(web.store, who.participant_id, datetime.now(UTC))
    return admin_page(web, request, "public/my_meetings.html", {
        "upcoming": [r for r in rows if not r["past"]],
        "past": sorted((r for r in rows if r["past"]), key=lambda r: r["starts_at"],
                       reverse=True)})


async def registered(store: ReadStore, participant_id: str, now: datetime
                     ) -> list[dict[str, Any]]:
    """The participant's registrations and places on a waiting list (not those they
    cancelled), each with its meeting as it is now, soonest first."""
    mine = [r for r in await meeting_registrations_of(store, participant_id)
            if not r.get("cancelled")]
    meetings = await store.get_many(MEETINGS, "all", [r["meeting_id"] for r in mine])
    details = await store.get_many(DETAIL, views.ALL, sorted(
        {m["consultation_id"] for m in meetings.values()}))
    public = {cid: d for cid, d in details.items() if d.get("published")}
    rows = []
    for r in mine:
        m = meetings.get(r["meeting_id"])
        if m is None:
            continue
        cid = m["consultation_id"]
        rows.append({
            "meeting_id": m["meeting_id"], "title": m["title"], "starts_at": m["starts_at"],
            "commune": m.get("commune") or "", "online": bool(m.get("online_url")),
            "consultation": public.get(cid, {}).get("title", ""),
            "shown": cid in public,  # its page answers 404 once unpublished
            "past": parse_iso(m["ends_at"]) <= now,
            "state": _state(r, m)})
    return sorted(rows, key=lambda row: row["starts_at"])


def _state(registration: dict[str, Any], meeting: dict[str, Any]) -> dict[str, str]:
    """The badge: the meeting cancelled comes before the person's own state."""
    if meeting.get("cancelled"):
        return {"label": "Rencontre annulée", "badge": "warning"}
    if registration.get("waiting"):
        return {"label": "En liste d\u2019attente", "badge": "info"}
    return {"label": "Inscrit·e", "badge": "success"}
