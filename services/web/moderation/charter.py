"""The consultation's moderation charter (its reason codes), edited by its
organisers (`/admin/moderation/<cid>/charte`, guarded: organiser or admin), and
the public transparency page: how many contributions were hidden or rejected,
per reason of the charter (`/moderation/<cid>/transparence`)."""

from __future__ import annotations

import re

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from services.core.errors import DomainError
from services.moderation.commands import SetCharter
from services.moderation.model import charter_reasons
from services.moderation.queue import ALL, CHARTERS, TRANSPARENCY
from services.web.backoffice.guard import BACK_OFFICE
from services.web.deposit.views import reason_labels
from services.web.deps import Web, WebDep
from services.web.forms import admin_page, checked_form
from services.web.rendering import public_page
from services.web.views import consultation_or_404

MAX_REASONS = 30
CODE = re.compile(r"^[a-z0-9_]{2,40}$")
# One reason per line: `code : libellé`.
LINE = re.compile(r"^\s*(?P<code>[^:]+?)\s*:\s*(?P<label>.+?)\s*$")

router = APIRouter()


def parse_charter(raw: str) -> tuple[tuple[tuple[str, str], ...], str]:
    """The reasons typed in the textarea, or a French message saying which line
    is wrong."""
    reasons: list[tuple[str, str]] = []
    for n, line in enumerate(raw.splitlines(), start=1):
        if not line.strip():
            continue
        found = LINE.match(line)
        if found is None or not CODE.match(found["code"]):
            return (), (f"Ligne {n} : écrivez « code : libellé », le code en minuscules "
                        "sans espace ni accent (lettres, chiffres, _).")
        if any(code == found["code"] for code, _ in reasons):
            return (), f"Ligne {n} : le code « {found['code']} » figure déjà plus haut."
        reasons.append((found["code"], found["label"]))
    if len(reasons) > MAX_REASONS:
        return (), f"La charte compte au plus {MAX_REASONS} motifs."
    return tuple(reasons), ""


async def charter_page(web: Web, request: Request, cid: str, *, raw: str | None = None,
                       error: str = "", status: int = 200) -> Response:
    """The charter's form: as saved, or `raw` as typed with the French `error`."""
    reasons = charter_reasons(await web.store.get(CHARTERS, ALL, cid))
    if raw is None:
        raw = "\n".join(f"{code} : {label}" for code, label in reasons.items())
    return admin_page(web, request, "moderation/charter.html", {
        "consultation": await consultation_or_404(web.store, cid), "raw": raw,
        "errors": {"charte": error} if error else {}}, status=status)


@router.get("/admin/moderation/{cid}/charte")
async def charter(request: Request, web: WebDep, cid: str) -> Response:
    return await charter_page(web, request, cid)


@router.post("/admin/moderation/{cid}/charte", dependencies=BACK_OFFICE)
async def save(request: Request, web: WebDep, cid: str) -> Response:
    form = await checked_form(web, request)
    raw = form.get("charte")
    raw = raw if isinstance(raw, str) else ""
    await consultation_or_404(web.store, cid)
    reasons, error = parse_charter(raw)
    if not error:
        try:
            await web.deps.send(SetCharter(cid, reasons))
        except DomainError as e:
            error = e.message
    if error:
        return await charter_page(web, request, cid, raw=raw, error=error, status=400)
    await web.deps.settle()
    return RedirectResponse(f"/admin/moderation/{cid}/charte", status_code=303)


@router.get("/moderation/{cid}/transparence")
async def transparency(request: Request, web: WebDep, cid: str) -> Response:
    doc = await consultation_or_404(web.store, cid, published=True)
    rows = await web.store.list(TRANSPARENCY, cid, limit=100)
    # a reason removed from the charter since keeps the label it had
    labels = await reason_labels(web.log, cid, await web.store.get(CHARTERS, ALL, cid),
                                 {d["reason_code"] for _, d in rows})
    counts = [{"code": d["reason_code"], "label": labels.get(d["reason_code"],
                                                             d["reason_code"]),
               "count": d["count"]} for _, d in rows if d["count"] > 0]
    return public_page(request, web.env, "moderation/transparency.html", {
        "consultation": doc, "counts": counts,
        "total": sum(int(c["count"]) for c in counts)})
