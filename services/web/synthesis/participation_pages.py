"""A consultation's participation in the back office (ADR 0142): what arrived,
from how many people, day by day, what waits for moderation, the ballots of each
vote phase. No JavaScript; the columns drawn on the server (the themes' evolution
chart), with their table.

- `/admin/analyse/<cid>/participation`: the page, for the consultation's
  organisers, analysts and admins (the analysis space's guard, asked again here);
- `/admin/analyse/<cid>/participation.csv`: the contributions and ballots per day.

Under `/admin/analyse/`, not `/admin/consultations/`: the guard lets analysts into
the former only, and an analyst reads participation as much as an organiser does.
Links lead only where the reader may go: the moderation queue for those who
moderate, the recount for those who manage the consultation.
"""

from __future__ import annotations

import io
import re
from datetime import date
from typing import Any

from fastapi import APIRouter
from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import Response

from services.core.spreadsheet import csv_writer
from services.identity.queries import Capability, may
from services.synthesis.participation.counting import KINDS
from services.synthesis.participation.read import participation_of
from services.web import views
from services.web.deps import Web, WebDep
from services.web.forms import admin_page
from services.web.session import holder_of, visitor
from services.web.synthesis.charts import MAX_COLUMNS, evolution

KIND_LABELS = {"proposal": "Propositions", "argument": "Arguments",
               "comment": "Commentaires", "answer": "Réponses aux questionnaires"}
BALLOT_LABELS = {"support": "Soutiens", "agree": "Avis (d\u2019accord, pas d\u2019accord, neutre)",
                 "ranking": "Classements", "budget": "Budget participatif"}
CHART_WIDTH, COLUMN_WIDTH = 640, 24  # the first days' few columns stay narrow
CSV_HEADINGS = ("jour", "propositions", "arguments", "commentaires",
                "réponses aux questionnaires", "contributions", "votes déposés")

router = APIRouter()


@router.get("/admin/analyse/{cid}/participation")
async def participation(request: Request, web: WebDep, cid: str) -> Response:
    await holder_of(web, request, cid, Capability.ANALYSE)
    c = await views.consultation_or_404(web.store, cid)
    figures = await participation_of(web.store, cid)
    return admin_page(web, request, "synthesis/participation.html", {
        "consultation": c, "figures": figures, "kind_labels": KIND_LABELS,
        "ballots": _ballot_rows(c, figures["ballots"]),
        "standing": sum(b["standing"] for b in figures["ballots"]),
        "chart": _chart(figures["days"]),
        "busiest": max(figures["days"], key=lambda d: d["total"], default=None),
        "moderates": await _may(web, request, cid, Capability.MODERATE),
        "manages": await _may(web, request, cid, Capability.MANAGE)})


@router.get("/admin/analyse/{cid}/participation.csv")
async def participation_csv(request: Request, web: WebDep, cid: str) -> Response:
    await holder_of(web, request, cid, Capability.ANALYSE)
    c = await views.consultation_or_404(web.store, cid)
    out = io.StringIO()
    writer = csv_writer(out, lineterminator="\r\n")
    writer.writerow(CSV_HEADINGS)
    for d in (await participation_of(web.store, cid))["days"]:
        writer.writerow([d["day"], *(d[kind] for kind in KINDS), d["total"], d["ballots"]])
    name = re.sub(r"[^a-z0-9-]", "", str(c.get("slug") or "")) or "consultation"
    # a byte order mark: the spreadsheets French organisers open read it as UTF-8
    return Response("\ufeff" + out.getvalue(), media_type="text/csv; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="participation-{name}.csv"',
        "Cache-Control": "no-store"})


def _chart(days: list[dict[str, Any]]) -> Markup:
    """The themes' evolution columns (a day each, a week each past two months,
    days without any kept as gaps), each column at most COLUMN_WIDTH wide."""
    if not days:
        return Markup("")
    span = (date.fromisoformat(days[-1]["day"]) - date.fromisoformat(days[0]["day"])).days + 1
    columns = span if span < MAX_COLUMNS else -(-span // 7)
    return evolution({d["day"]: d["total"] for d in days},
                     width=min(CHART_WIDTH, COLUMN_WIDTH * columns), height=160)


async def _may(web: Web, request: Request, cid: str, capability: Capability) -> bool:
    who = visitor(web, request)
    return who is not None and (who.is_admin or await may(web.store, who.id, cid, capability))


def _ballot_rows(consultation: dict[str, Any],
                 ballots: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each phase's ballots by kind, in the order of the consultation's phases (a
    phase removed since keeps its figures, after the others, under its id)."""
    phases = consultation.get("phases") or []
    order = {p["phase_id"]: i for i, p in enumerate(phases)}
    titles = {p["phase_id"]: p.get("title") or p["phase_id"] for p in phases}
    rows = [{**b, "phase_title": titles.get(b["phase_id"], b["phase_id"]),
             "kind_label": BALLOT_LABELS.get(b["kind"], b["kind"])} for b in ballots]
    return sorted(rows, key=lambda r: (order.get(r["phase_id"], len(order)), r["phase_id"]))
