"""The pages a French public site owes its visitors, linked from every footer:
« Mentions légales », « Données personnelles », « Accessibilité » (the RGAA
statement, from the last automated audit of the browser tests) and « Plan du site ».

What they say about the publisher comes from settings (`PARLONS_LEGAL_*`), what
they say about personal data from what the platform does (the identity settings'
retention periods, the export and erasure pages), so they stay true when either
changes."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from services.identity.settings import IdentitySettings
from services.web import views
from services.web.deps import WebDep
from services.web.rendering import public_page

router = APIRouter()
AUDIT = Path(__file__).parent / "data" / "accessibility_audit.json"

# The footer's links, in this order on every page (base.html: `footer_links`).
FOOTER = (("/plan-du-site", "Plan du site"),
          ("/accessibilite", "Accessibilité : partiellement conforme"),
          ("/mentions-legales", "Mentions légales"),
          ("/donnees-personnelles", "Données personnelles"))


@cache
def accessibility_audit() -> dict[str, Any]:
    """The last automated audit (`make accessibility-audit`), as shipped."""
    data: dict[str, Any] = json.loads(AUDIT.read_text(encoding="utf-8"))
    return data


@router.get("/mentions-legales")
async def legal_notice(request: Request, web: WebDep) -> Response:
    return public_page(request, web.env, "public/legal_notice.html",
                       {"legal": web.settings.legal()})


@router.get("/donnees-personnelles")
async def privacy(request: Request, web: WebDep) -> Response:
    identity = IdentitySettings()
    return public_page(request, web.env, "public/privacy.html", {
        "legal": web.settings.legal(),
        "magic_link_minutes": identity.magic_link_minutes,
        "outbox_hours": identity.outbox_retention_hours,
        "inactive_days": identity.erase_inactive_after_days,
        "client_hash_hours": identity.client_hash_hours,
        "session_hours": web.settings.session_hours})


@router.get("/accessibilite")
async def accessibility(request: Request, web: WebDep) -> Response:
    return public_page(request, web.env, "public/accessibility.html",
                       {"legal": web.settings.legal(), "audit": accessibility_audit()})


@router.get("/plan-du-site")
async def sitemap(request: Request, web: WebDep) -> Response:
    listed = await views.home(web.store)
    return public_page(request, web.env, "public/sitemap.html",
                       {"consultations": [*listed["current"], *listed["past"]]})
