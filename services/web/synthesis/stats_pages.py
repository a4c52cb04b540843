"""Closed-question statistics and open data in the back office and in public
(ADR 0025). No JavaScript; SVG bars drawn on the server.

- `/admin/analyse/<cid>/statistiques`: the questionnaires; `.../statistiques/<qid>`:
  counts and percentages per option, with a breakdown (`?par=niveau|departement|
  region`, allowlisted) and the open-data downloads
  (`/admin/analyse/<cid>/donnees-ouvertes/<qid>.csv|.json|-dictionnaire.md`, streamed).
  The identity guard lets in analysts, organisers and admins of <cid>; the routes
  check again, so they stay closed on an app without the guard.
- `/admin/donnees-ouvertes/<cid>`: the organiser turns the daily
  publication on or off (CSRF-checked POST).
- `/donnees-ouvertes/<cid>` and `/donnees-ouvertes/<cid>/<file>`: what the daily
  job published, while the organiser keeps it on.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fastapi import APIRouter
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, RedirectResponse, Response, StreamingResponse

from services.consultation.queries import OTHER
from services.core.errors import NotFound
from services.core.participants import LEVEL_LABELS
from services.identity.queries import Capability
from services.synthesis.opendata.dictionary import dictionary_markdown
from services.synthesis.opendata.export import OpenDataExport
from services.synthesis.opendata.kanonymity import min_cell_setting
from services.synthesis.opendata.names import base_name, questionnaire_parts
from services.synthesis.opendata.publish import FILE_NAME, questionnaires_of
from services.synthesis.opendata.settings import SetOpenDataPublication, publishes_daily
from services.synthesis.stats.projection import UNKNOWN as NOT_RECORDED
from services.synthesis.stats.read import (
    closed_question_stats,
    other_texts_page,
    questionnaire_of,
)
from services.territory.geography import DEPARTEMENTS, REGIONS, departement_label
from services.web import views
from services.web.backoffice.guard import BACK_OFFICE
from services.web.deps import Web, WebDep
from services.web.forms import admin_page, checked_form, text
from services.web.page_cache import not_kept
from services.web.rendering import public_page
from services.web.session import holder_of
from services.web.synthesis.stats_charts import option_bars

BREAKDOWNS = {"niveau": ("by_level", "Niveau d'identification"),
              "departement": ("by_departement", "Département"),
              "region": ("by_region", "Région")}
UNKNOWN = "Non renseigné"  # a level or territory the figures have as not recorded
DOWNLOAD = re.compile(r"^(?P<qid>[A-Za-z0-9][A-Za-z0-9_-]{0,99})"
                      r"(?P<ext>\.csv|\.json|-dictionnaire\.md)$")
MEDIA = {".csv": "text/csv; charset=utf-8", ".json": "application/json",
         "-dictionnaire.md": "text/markdown; charset=utf-8"}

OTHER_TEXTS_PAGE = 50  # "Autre" texts a page shows

CONTENTS = (("reponses", "Réponses au questionnaire"), ("propositions", "Propositions"),
            ("arguments", "Arguments"), ("votes", "Résultats des votes"))

router = APIRouter()


def opendata_root(web: Web) -> Path:
    """Where the daily job publishes the files (read at request time: the data
    directory is the deployment's)."""
    return web.deps.data_dir / "opendata"


@router.get("/admin/analyse/{cid}/statistiques")
async def questionnaires(request: Request, web: WebDep, cid: str) -> Response:
    await holder_of(web, request, cid, Capability.ANALYSE)
    c = await views.consultation_or_404(web.store, cid)
    return admin_page(web, request, "synthesis/stats/index.html", {
        "consultation": c, "questionnaires": await questionnaires_of(web.store, cid)})


@router.get("/admin/analyse/{cid}/statistiques/{qid}")
async def figures(request: Request, web: WebDep, cid: str, qid: str, par: str = "") -> Response:
    await holder_of(web, request, cid, Capability.ANALYSE)
    c = await views.consultation_or_404(web.store, cid)
    try:
        stats = await closed_question_stats(web.store, cid, qid)
    except NotFound:
        raise HTTPException(404) from None
    breakdown = BREAKDOWNS.get(par)
    return admin_page(web, request, "synthesis/stats/questionnaire.html", {
        "consultation": c, "stats": stats, "par": par if breakdown else "",
        "breakdowns": {k: v[1] for k, v in BREAKDOWNS.items()},
        "questions": [_question_view(q, breakdown[0] if breakdown else None, par)
                      for q in stats["questions"]],
        "respondents": _respondents_view(stats["respondents"])})


@router.get("/admin/analyse/{cid}/statistiques/{qid}/autres/{question_id}")
async def other_answers(request: Request, web: WebDep, cid: str, qid: str,
                        question_id: str) -> Response:
    """The free texts people wrote after choosing « Autre » at one closed question,
    a page at a time: what the figures count as « Autre », to be read."""
    await holder_of(web, request, cid, Capability.ANALYSE)
    c = await views.consultation_or_404(web.store, cid)
    try:
        _, questionnaire = await questionnaire_of(web.store, cid, qid)
    except NotFound:
        raise HTTPException(404) from None
    question = next((q for q in questionnaire["questions"] if q["question_id"] == question_id
                     and q["kind"] != "open" and q.get("allow_other")), None)
    if question is None:
        raise HTTPException(404)
    after = views.keyset_after(request)
    texts, next_key = views.keyset_cut(
        await other_texts_page(web.store, qid, question_id, after=after,
                               limit=OTHER_TEXTS_PAGE + 1),
        OTHER_TEXTS_PAGE, key=lambda t: t.contribution_id)
    return admin_page(web, request, "synthesis/stats/other_texts.html", {
        "consultation": c, "questionnaire": questionnaire, "question": question,
        "texts": texts, "next": next_key, "first_page": after is None})


@router.get("/admin/analyse/{cid}/donnees-ouvertes/{name}")
async def download(request: Request, web: WebDep, cid: str, name: str) -> Response:
    await holder_of(web, request, cid, Capability.ANALYSE)
    found = DOWNLOAD.match(name)
    if found is None:
        raise HTTPException(404)
    try:
        c, qn = await questionnaire_of(web.store, cid, found["qid"])
    except NotFound:
        raise HTTPException(404) from None
    ext = found["ext"]
    readable = base_name(c.get("slug") or cid, questionnaire_parts(
        [(found["qid"], qn.get("title", ""))])[found["qid"]], datetime.now(UTC).date().isoformat())
    headers = {"Content-Disposition": f'attachment; filename="{readable}{ext}"',
               "Cache-Control": "no-store"}
    k = min_cell_setting()  # ADR 0047: the files and their dictionary alike
    if ext == "-dictionnaire.md":
        return Response(dictionary_markdown(c, qn, k=k), media_type=MEDIA[ext], headers=headers)
    export = OpenDataExport(web.store, min_cell=k)
    body: AsyncIterator[bytes] = export.csv(qn) if ext == ".csv" else export.json(qn)
    return StreamingResponse(body, media_type=MEDIA[ext], headers=headers)


@router.get("/admin/donnees-ouvertes/{cid}")
async def publication(request: Request, web: WebDep, cid: str) -> Response:
    await holder_of(web, request, cid, Capability.MANAGE)
    return admin_page(web, request, "synthesis/stats/publication.html", {
        "consultation": await views.consultation_or_404(web.store, cid),
        "daily": await publishes_daily(web.store, cid),
        "files": _published(opendata_root(web), cid)})


@router.post("/admin/donnees-ouvertes/{cid}", dependencies=BACK_OFFICE)
async def set_publication(request: Request, web: WebDep, cid: str) -> Response:
    form = await checked_form(web, request)
    await holder_of(web, request, cid, Capability.MANAGE)
    await views.consultation_or_404(web.store, cid)
    await web.deps.send(SetOpenDataPublication(cid, text(form, "quotidienne") == "oui"))
    await web.deps.settle()
    return RedirectResponse(f"/admin/donnees-ouvertes/{cid}", status_code=303)


@router.get("/donnees-ouvertes/{cid}")
async def public_files(request: Request, web: WebDep, cid: str) -> Response:
    c = await views.consultation_or_404(web.store, cid)
    if not c.get("published") or not await publishes_daily(web.store, cid):
        raise HTTPException(404)
    not_kept(request.scope)  # the files are written apart from the read store
    return public_page(request, web.env, "synthesis/stats/public_opendata.html", {
        "consultation": c, "files": _published(opendata_root(web), cid)})


@router.get("/donnees-ouvertes/{cid}/{name}")
async def public_file(web: WebDep, cid: str, name: str) -> Response:
    c = await views.consultation_or_404(web.store, cid)
    path = opendata_root(web) / cid / name
    if (not c.get("published") or not await publishes_daily(web.store, cid)
            or not FILE_NAME.match(name) or not path.is_file()):
        raise HTTPException(404)
    ext = next(e for e in MEDIA if name.endswith(e))
    return FileResponse(path, media_type=MEDIA[ext], filename=name,
                        headers={"Cache-Control": "public, max-age=3600"})


def _published(root: Path, cid: str) -> list[dict[str, Any]]:
    """The files of the last export, with what each holds, its size and when it
    was written (Europe/Paris, as the site shows times)."""
    folder = root / cid
    if not folder.is_dir():
        return []
    files = []
    for p in sorted(folder.iterdir()):
        if FILE_NAME.match(p.name) and p.is_file():
            stat = p.stat()
            files.append({"name": p.name, "size": _size(stat.st_size), "what": _what(p.name),
                          "written_at": datetime.fromtimestamp(stat.st_mtime, UTC)})
    return files


def _size(n: int) -> str:
    """« 850 octets », « 12,4 ko », « 3,1 Mo » (French decimal comma)."""
    if n < 1000:
        return f"{n} octets"
    value, unit = (n / 1000, "ko") if n < 1_000_000 else (n / 1_000_000, "Mo")
    return f"{value:.1f} {unit}".replace(".", ",")


def _what(name: str) -> str:
    if name.endswith("-dictionnaire.md"):
        return "Dictionnaire des données"
    kind = next((label for part, label in CONTENTS if f"-{part}-" in name), "Données")
    return f"{kind} ({'JSON' if name.endswith('.json') else 'CSV'})"


def _label(par: str, value: str) -> str:
    if par == "niveau":
        return _level(value)
    if par == "departement":
        return departement_label(value) if value in DEPARTEMENTS else UNKNOWN
    return REGIONS[value][0] if value in REGIONS else UNKNOWN


def _level(level: str) -> str:
    """The kernel's label of an identity level, capitalised as the tables show it."""
    if level == NOT_RECORDED:
        return UNKNOWN
    label = LEVEL_LABELS.get(level)
    return label[:1].upper() + label[1:] if label else level


def _question_view(q: dict[str, Any], by: str | None, par: str) -> dict[str, Any]:
    view = {**q, "chart": option_bars(
        [(o["label"], o["count"], o["percent"]) for o in q["options"]]),
        # how many chose « Autre »: their texts have a page of their own
        "chose_other": next((o["count"] for o in q["options"] if o["option_id"] == OTHER), 0)}
    if by is not None:
        values = sorted({v for o in q["options"] for v in o[by]})
        view["groups"] = [{"label": _label(par, v), "cells": [
            o[by].get(v, {"count": 0, "percent": 0.0}) for o in q["options"]]} for v in values]
    return view


def _respondents_view(r: dict[str, Any]) -> dict[str, Any]:
    return {"total": r["total"],
            "levels": [(_level(k), n) for k, n in r["by_level"].items()],
            "regions": [(_label("region", k), n) for k, n in r["by_region"].items()]}
