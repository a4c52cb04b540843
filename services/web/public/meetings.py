"""A meeting's page and its registration forms: « S'inscrire » takes a seat, or a
place on the waiting list when the meeting is full, while the consultation's
phase open now offers « s'inscrire à une rencontre » (otherwise the page says
registrations are not open, without a form: ADR 0139); « Annuler mon
inscription » gives it up (the first one waiting takes the seat), whatever the
phase. Without JavaScript: each form posts, then the page comes back with what
changed.

The page is the same for every visitor without a participant's session
(public, ETag); a participant sees their own state, read from the meeting's
stream in the log (the truth the registration decides on), on a page never
cached. Each form needs a participant's session with an account (not an
anonymous one) and the CSRF token, and counts against the `meeting` rate limit
(ADR 0045)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from services.consultation import phases as ph
from services.consultation.content_commands import CancelRegistration, RegisterForMeeting
from services.consultation.meeting_handlers import load_meeting
from services.consultation.meetings import REGISTER
from services.core.errors import DomainError, NotFound
from services.core.values import parse_iso
from services.web import views
from services.web.authz import PARTICIPANT_FORM
from services.web.deposit.forms import participant
from services.web.deps import Web, WebDep
from services.web.forms import admin_page, checked_form
from services.web.public.ics import calendar_response
from services.web.rendering import public_page

MEETINGS = "meetings"
DONE = {"inscrit": "Votre inscription est enregistrée.",
        "attente": "La rencontre est complète : vous êtes inscrit·e sur la liste d'attente. "
                   "Si une place se libère, elle vous sera attribuée et nous vous "
                   "préviendrons.",
        "annulee": "Votre inscription est annulée."}

# A seat is scarce and a session without an account costs nothing to open: one
# could fill a meeting. Registering needs an account (e-mail or verified), which
# is also where the reminder goes and the name the attendance list shows.
ACCOUNT_NEEDED = ("Pour vous inscrire à une rencontre, connectez-vous avec votre adresse "
                  "électronique : une participation sans compte ne suffit pas.")

router = APIRouter()


async def meeting_or_404(web: Web, meeting_id: str) -> dict[str, Any]:
    """The meeting, or a 404 page: also for a meeting of a consultation the public
    may not see (a draft, or unpublished since), as its page would be."""
    return (await _meeting_and_consultation(web, meeting_id))[0]


async def _meeting_and_consultation(web: Web, meeting_id: str
                                    ) -> tuple[dict[str, Any], dict[str, Any]]:
    doc = await web.store.get(MEETINGS, "all", meeting_id[:100])
    if doc is None:
        raise HTTPException(404)
    return doc, await views.consultation_or_404(web.store, doc["consultation_id"],
                                                published=True)


def registrations(meeting: dict[str, Any], consultation: dict[str, Any],
                  now: datetime) -> dict[str, Any]:
    """What the registration part of the page says: `closed` (the meeting is
    cancelled or over), or `phase_closed` (its consultation's phase open now does
    not offer « s'inscrire à une rencontre ») with `opens_at`, the start of the
    next phase that does, if any. The handler decides on the log all the same."""
    closed = meeting["cancelled"] or now >= parse_iso(meeting["ends_at"])
    phases = consultation.get("phases") or []
    phase_closed = not closed and REGISTER not in ph.open_actions(phases, now)
    later = [p for p in phases if REGISTER in p.get("actions", ())
             and parse_iso(p["starts_at"]) > now
             and parse_iso(p["starts_at"]) < parse_iso(meeting["ends_at"])]
    return {"closed": closed or phase_closed, "phase_closed": phase_closed,
            "opens_at": later[0]["starts_at"] if phase_closed and later else ""}


def refused(web: Web, request: Request, message: str, status: int = 400) -> Response:
    return admin_page(web, request, "error.html", {
        "heading": "Action impossible", "message": message}, status=status)


@router.get("/evenements/{meeting_id}")
async def event(request: Request, web: WebDep, meeting_id: str) -> Response:
    doc, consultation = await _meeting_and_consultation(web, meeting_id)
    who = await participant(web, request)
    ctx: dict[str, Any] = {"item": doc, **registrations(doc, consultation, datetime.now(UTC)),
                           "tile_url": web.settings.tile_url,
                           "tile_attribution": web.settings.tile_attribution}
    if who is None:
        return public_page(request, web.env, "public/event.html", ctx)
    if who.identity_level == "anonymous":  # see ACCOUNT_NEEDED
        return admin_page(web, request, "public/event.html", {**ctx, "anonymous": True})
    state = await load_meeting(web.log, doc["meeting_id"])
    position = (state.waiting.index(who.participant_id) + 1
                if who.participant_id in state.waiting else 0)
    return admin_page(web, request, "public/event.html", {
        **ctx, "participant": who, "status": state.status_of(who.participant_id),
        "position": position, "done": DONE.get(request.query_params.get("inscription", ""), "")})


@router.post("/evenements/{meeting_id}/inscription", dependencies=PARTICIPANT_FORM)
async def register(request: Request, web: WebDep, meeting_id: str) -> Response:
    return await _registration(request, web, meeting_id, cancel=False)


@router.post("/evenements/{meeting_id}/desinscription", dependencies=PARTICIPANT_FORM)
async def unregister(request: Request, web: WebDep, meeting_id: str) -> Response:
    return await _registration(request, web, meeting_id, cancel=True)


async def _registration(request: Request, web: Web, meeting_id: str, *,
                        cancel: bool) -> Response:
    await checked_form(web, request)
    doc = await meeting_or_404(web, meeting_id)
    who = await participant(web, request)
    if who is None:
        return RedirectResponse(f"/connexion?suite=/evenements/{doc['meeting_id']}",
                                status_code=303)
    await web.providers.check_limit(request, "meeting")  # 429 page beyond it
    if who.identity_level == "anonymous" and not cancel:
        return refused(web, request, ACCOUNT_NEEDED, status=403)
    command = (CancelRegistration if cancel else RegisterForMeeting)(
        doc["meeting_id"], who.participant_id)
    try:
        outcome = await web.send_as(who.participant_id, command)
    except NotFound:
        raise HTTPException(404) from None
    except DomainError as e:
        return refused(web, request, e.message)
    await web.deps.settle()
    done = "annulee" if cancel else ("attente" if outcome == "waiting" else "inscrit")
    if cancel and not outcome:
        return refused(web, request, "Vous n'étiez pas inscrit·e à cette rencontre.")
    return RedirectResponse(f"/evenements/{doc['meeting_id']}?inscription={done}",
                            status_code=303)


@router.get("/evenements/{meeting_id}/calendrier.ics")
async def event_ics(request: Request, web: WebDep, meeting_id: str) -> Response:
    return calendar_response(request, await meeting_or_404(web, meeting_id))
