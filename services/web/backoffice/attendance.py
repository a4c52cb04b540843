"""Back office: a meeting's attendance list, for its organiser (the role that
manages the consultation, checked by the back-office guard): who holds a seat
and who waits, in order of arrival, read from the meeting's stream in the log
(the truth the registrations were decided on). As a page, and as CSV to print
for the door.

No more personal data than the door needs: the pseudonym the person chose
(read from the identity vault at the time of the request), never an e-mail,
postcode or participant id; a participant without an account (anonymous
session) appears without a name, an erased account as such (its seat in a
meeting not over yet is given up at the erasure: ADR 0139). The CSV leaves a
column to tick."""

from __future__ import annotations

import io
from typing import Any

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from services.consultation.meeting_handlers import load_meeting
from services.core.spreadsheet import csv_writer
from services.identity.queries import PARTICIPANTS
from services.identity.service import IdentityPorts
from services.web import views
from services.web.backoffice.guard import BACK_OFFICE
from services.web.backoffice.items import item_or_404
from services.web.deps import Web, WebDep
from services.web.forms import admin_page, require_organiser

NO_NAME = "(participant·e sans compte)"
ERASED = "(compte effacé)"
STATUS = {"registered": "Inscrit·e", "waiting": "Liste d'attente"}

router = APIRouter(dependencies=BACK_OFFICE)


async def _pseudonym(web: Web, participant_id: str) -> str:
    identity = web.deps.port("identity", IdentityPorts)
    profile = await identity.vault.profile(participant_id) if identity else None
    if (profile or {}).get("pseudonym"):
        return str((profile or {})["pseudonym"])
    account = await web.store.get(PARTICIPANTS, "all", participant_id)
    return ERASED if account is not None and account.get("erased") else NO_NAME


async def attendance(web: Web, cid: str, meeting_id: str) -> dict[str, Any]:
    meeting = await item_or_404(web.store, cid, "rencontres", meeting_id)
    state = await load_meeting(web.log, meeting["meeting_id"])
    rows = [{"rank": i, "name": await _pseudonym(web, pid), "status": STATUS["registered"]}
            for i, pid in enumerate(state.seated, 1)]
    rows += [{"rank": i, "name": await _pseudonym(web, pid),
              "status": f"{STATUS['waiting']} ({i})"}
             for i, pid in enumerate(state.waiting, 1)]
    return {"c": await views.consultation_or_404(web.store, cid), "item": meeting,
            "rows": rows, "seated": len(state.seated), "waiting": len(state.waiting)}


@router.get("/admin/consultations/{cid}/rencontres/{meeting_id}/inscrits")
async def attendance_page(request: Request, web: WebDep, cid: str, meeting_id: str) -> Response:
    require_organiser(web, request)
    return admin_page(web, request, "backoffice/attendance.html",
                      await attendance(web, cid, meeting_id))


@router.get("/admin/consultations/{cid}/rencontres/{meeting_id}/inscrits.csv")
async def attendance_csv(request: Request, web: WebDep, cid: str, meeting_id: str) -> Response:
    require_organiser(web, request)
    ctx = await attendance(web, cid, meeting_id)
    out = io.StringIO()
    writer = csv_writer(out, lineterminator="\r\n")
    writer.writerow(["n°", "pseudonyme", "statut", "présent"])
    for row in ctx["rows"]:
        writer.writerow([row["rank"], row["name"], row["status"], ""])
    return Response("\ufeff" + out.getvalue(), media_type="text/csv; charset=utf-8", headers={
        "Content-Disposition": 'attachment; filename="inscrits.csv"',
        "Cache-Control": "no-store"})
