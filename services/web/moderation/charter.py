"""The consultation's moderation charter (its reason codes), edited by its
organisers (`/admin/moderation/<cid>/charte`, guarded: organiser or admin), and
the public transparency page: how many contributions were hidden or rejected,
per reason of the charter (`/moderation/<cid>/transparence`)."""

from __future__ import annotations

import re

from fastapi import APIRouter
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from services.core.errors import DomainError
from services.moderation.commands import SetCharter
from services.moderation.model import charter_reasons
from services.moderation.queue import ALL, CHARTERS, TRANSPARENCY
from services.web.deps import Web
from services.web.forms import admin_page, checked_form
from services.web.rendering import public_page

MAX_REASONS = 30
CODE = re.compile(r"^[a-z0-9_]{2,40}$")
# One reason per line: `code : libellé`.
LINE = re.compile(r"^\s*(?P<code>[^:]+?)\s*:\s*(?P<label>.+?)\s*$")


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


def routes(web: Web) -> APIRouter:
    router = APIRouter()
    store = web.deps.store

    async def consultation(cid: str) -> dict[str, object]:
        doc = await store.get("consultation_detail", "all", cid)
        if doc is None:
            raise HTTPException(404)
        return dict(doc)

    async def page(request: Request, cid: str, *, raw: str | None = None, error: str = "",
                   status: int = 200) -> Response:
        reasons = charter_reasons(await store.get(CHARTERS, ALL, cid))
        if raw is None:
            raw = "\n".join(f"{code} : {label}" for code, label in reasons.items())
        return admin_page(web, request, "moderation/charter.html", {
            "consultation": await consultation(cid), "raw": raw,
            "errors": {"charte": error} if error else {}}, status=status)

    @router.get("/admin/moderation/{cid}/charte")
    async def charter(request: Request, cid: str) -> Response:
        return await page(request, cid)

    @router.post("/admin/moderation/{cid}/charte")
    async def save(request: Request, cid: str) -> Response:
        form = await checked_form(web, request)
        raw = form.get("charte")
        raw = raw if isinstance(raw, str) else ""
        await consultation(cid)
        reasons, error = parse_charter(raw)
        if not error:
            try:
                await web.deps.send(SetCharter(cid, reasons))
            except DomainError as e:
                error = e.message
        if error:
            return await page(request, cid, raw=raw, error=error, status=400)
        await web.deps.settle()
        return RedirectResponse(f"/admin/moderation/{cid}/charte", status_code=303)

    @router.get("/moderation/{cid}/transparence")
    async def transparency(request: Request, cid: str) -> Response:
        doc = await consultation(cid)
        if not doc.get("published"):
            raise HTTPException(404)
        labels = charter_reasons(await store.get(CHARTERS, ALL, cid))
        rows = await store.list(TRANSPARENCY, cid, limit=100)
        counts = [{"code": d["reason_code"], "label": labels.get(d["reason_code"],
                                                                 d["reason_code"]),
                   "count": d["count"]} for _, d in rows if d["count"] > 0]
        return public_page(request, web.env, "moderation/transparency.html", {
            "consultation": doc, "counts": counts,
            "total": sum(int(c["count"]) for c in counts)})

    return router
