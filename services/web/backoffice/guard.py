"""The back office's authorization, per object: every `/admin` path is matched
here before its route runs, so a new back-office route is covered by default
(deny unless a rule below allows it).

- the settings-configured admin may do everything (the bootstrap admin);
- a participant holding `organiser` or `admin` on consultation C may use
  `/admin/consultations/C/...`, `/admin/equipe/C/...` and `/admin/donnees-ouvertes/C`
  (the daily open-data publication);
- a participant holding `moderator` or `admin` on C may use
  `/admin/moderation/C/...` (the queue and decisions), and `organiser` or
  `admin` on C its charter `/admin/moderation/C/charte`;
- a participant holding `analyst`, `organiser` or `admin` on C may use the
  analyst workspace `/admin/analyse/C/...`;
- `/admin` itself is open to every participant with a session: it lists the
  consultations their roles reach, each with the pages those roles allow;
- everything else in `/admin` (dashboard of all consultations, creating one)
  is the admin's only.
A visitor without a session is sent to the login page.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from fastapi import Depends, FastAPI
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Receive, Scope, Send

from services.apikit.authz import Checks, authorizes
from services.core.envelope import Actor
from services.identity.queries import Capability, may
from services.web.authz import CsrfProtected
from services.web.deps import Web, web_of
from services.web.forms import LoginRequired
from services.web.rendering import private_page
from services.web.session import acting_as, stop_acting, visitor

PUBLIC = frozenset({"/admin/connexion", "/admin/deconnexion"})
CONSULTATION_PATH = re.compile(
    r"^/admin/(consultations|equipe|donnees-ouvertes)/(?P<cid>[^/]+)(/.*)?$")
ADMIN_ONLY_IDS = frozenset({"nouvelle"})  # /admin/consultations/nouvelle is not an object
MODERATION_PATH = re.compile(r"^/admin/moderation/(?P<cid>[^/]+)(?P<rest>/.*)?$")
CHARTER = "/charte"
ANALYSIS_PATH = re.compile(r"^/admin/analyse/(?P<cid>[^/]+)(/.*)?$")
REFUSED = "Vous n'avez pas de rôle vous permettant d'accéder à cette page."


async def may_enter(web: Web, request: Request) -> bool | None:
    """True: go on; False: 403; None: log in first."""
    who = visitor(web, request)
    if who is None:
        return None
    if who.is_admin or request.url.path == "/admin":
        return True  # /admin shows each person what their roles allow, if anything
    moderation = MODERATION_PATH.match(request.url.path)
    if moderation is not None:
        needed = Capability.MANAGE if moderation["rest"] == CHARTER else Capability.MODERATE
        return await may(web.store, who.id, moderation["cid"], needed)
    analysis = ANALYSIS_PATH.match(request.url.path)
    if analysis is not None:
        return await may(web.store, who.id, analysis["cid"], Capability.ANALYSE)
    found = CONSULTATION_PATH.match(request.url.path)
    if found is None or found["cid"] in ADMIN_ONLY_IDS:
        return False
    return await may(web.store, who.id, found["cid"], Capability.MANAGE)


@authorizes(Checks.ROLE)
async def back_office(request: Request) -> None:
    """The guard's rule again, as the route's own dependency: the route stays
    closed on an app built without the guard, and the route table shows it."""
    verdict = await may_enter(web_of(request), request)
    if verdict is None:
        raise LoginRequired
    if not verdict:
        raise HTTPException(403, REFUSED)


BackOffice = Depends(back_office)
# Every back-office router: the role on the path's consultation, CSRF on a change.
BACK_OFFICE = [BackOffice, CsrfProtected]


class BackOfficeGuard:
    def __init__(self, app: ASGIApp, web: Web) -> None:
        self.app, self.web = app, web

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "") if scope["type"] == "http" else ""
        if not (path == "/admin" or path.startswith("/admin/")) or path in PUBLIC:
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        verdict = await may_enter(self.web, request)
        response: Response | None = None
        if verdict is None:
            response = RedirectResponse(f"/admin/connexion?suite={path}", status_code=303)
        elif not verdict:
            response = private_page(request, self.web.env, "error.html",
                                    {"heading": "Accès refusé", "message": REFUSED}, status=403)
        if response is not None:
            await response(scope, receive, send)
            return
        who = visitor(self.web, request)
        moderation = MODERATION_PATH.match(path)
        role = "moderator" if moderation and moderation["rest"] != CHARTER else "organiser"
        role = "analyst" if ANALYSIS_PATH.match(path) else role
        actor = None if who is None or who.is_admin else Actor(id=who.id, role=role)
        token = acting_as(actor)
        try:
            await self.app(scope, receive, send)
        finally:
            stop_acting(token)


def back_office_routes(app: FastAPI) -> list[APIRoute]:
    """Every route this guard protects (tests walk them all with each role)."""
    return [r for r in all_routes(app.routes)
            if (r.path == "/admin" or r.path.startswith("/admin/")) and r.path not in PUBLIC]


def all_routes(routes: Sequence[BaseRoute], prefix: str = "") -> list[APIRoute]:
    """The API routes of an app, through included routers (recent FastAPI keeps
    an included router as one entry instead of copying its routes)."""
    found: list[APIRoute] = []
    for route in routes:
        if isinstance(route, APIRoute):
            found.append(route if not prefix else _prefixed(route, prefix))
        elif hasattr(route, "original_router"):
            context = getattr(route, "include_context", None)
            found += all_routes(route.original_router.routes,
                                prefix + str(getattr(context, "prefix", "") or ""))
    return found


def _prefixed(route: APIRoute, prefix: str) -> APIRoute:
    copy = APIRoute.__new__(APIRoute)
    copy.__dict__.update(route.__dict__)
    copy.path = prefix + route.path
    return copy
