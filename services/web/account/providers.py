"""The session behind the JSON APIs: who participates, moderates or analyses,
read from the browser's session cookie (ADR 0013), installed into `web.providers`
for the JSON APIs' `participant_context`, `moderator_context` and
`analyst_context`; with them the rate limits per action and the participant's
territory; and `GET /api/session`.

CSRF for JSON calls: a state change authenticated by the session cookie needs
the `X-CSRF-Token` header (the signed double-submit token of the forms, also
given by `GET /api/session`), and its `Origin`, when the browser sends one,
must be this site. A cross-site page can neither read the token nor set the
header without a CORS preflight, which Parlons never answers.
"""

from __future__ import annotations

from functools import partial
from typing import Any
from urllib.parse import urlsplit

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import JSONResponse

from services.apikit.deps import Providers
from services.core.errors import AccessRefused
from services.core.participants import (
    AnalystContext,
    ModeratorContext,
    ParticipantContext,
    check_participation,
)
from services.identity.queries import Capability, consultations_where, may
from services.moderation.queue import ALL, ITEMS
from services.web.client_ip import client_address
from services.web.deps import Web, WebDep
from services.web.security import origin_and_csrf_header
from services.web.session import Visitor, session_participant, visitor

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

router = APIRouter()


LOGIN_FIRST = AccessRefused(401, "login_required",
                            "Connectez-vous pour participer (adresse électronique, "
                            "FranceConnect ou session anonyme si la consultation le permet).")
BAD_CSRF = AccessRefused(403, "csrf", "Requête refusée : jeton anti-falsification absent ou "
                                      "invalide. Rechargez la page et recommencez.")
NOT_MODERATOR = AccessRefused(403, "forbidden", "Réservé aux modérateurs de la consultation.")
NOT_ANALYST = AccessRefused(403, "forbidden", "Réservé aux analystes de la consultation.")


def check_api_csrf(web: Web, request: Request) -> None:
    if request.method in SAFE_METHODS:
        return
    origin, token = origin_and_csrf_header(request.scope["headers"])
    # The host only, as for the forms (services/web/authz.py): behind a proxy
    # terminating TLS the app sees http while the browser says https.
    if origin is not None and urlsplit(origin).netloc != request.url.netloc:
        raise BAD_CSRF()
    if not web.csrf.valid(request.cookies.get(web.csrf.cookie), token):
        raise BAD_CSRF()


def _logged_in(web: Web, request: Request) -> Visitor:
    who = visitor(web, request)
    if who is None:
        raise LOGIN_FIRST()
    check_api_csrf(web, request)
    return who


async def _json_consultation(request: Request) -> str | None:
    if "json" not in request.headers.get("content-type", ""):
        return None
    try:
        body: Any = await request.json()  # cached: FastAPI reads the same body
    except ValueError:
        return None
    value = body.get("consultation_id") if isinstance(body, dict) else None
    return value if isinstance(value, str) else None


async def _consultations_concerned(web: Web, request: Request) -> set[str] | None:
    """The consultations a moderation request is about (path, the item's or
    campaign's consultation, a JSON body's); None when it names an unknown item."""
    params = request.path_params
    found: set[str] = set()
    if "consultation_id" in params:
        found.add(str(params["consultation_id"]))
    for name in ("contribution_id", "group_id"):  # a campaign is named by its first member
        if name in params:
            item = await web.store.get(ITEMS, ALL, str(params[name]))
            if item is None:
                return None
            found.add(str(item["consultation_id"]))
    body_cid = await _json_consultation(request)
    if body_cid is not None:
        found.add(body_cid)
    return found


async def participant(web: Web, request: Request) -> ParticipantContext:
    _logged_in(web, request)
    who = await session_participant(web, request)
    if who is None:
        raise LOGIN_FIRST()
    cid = request.path_params.get("consultation_id")
    if cid is not None:  # fail early; deposit's handlers check again
        doc = await web.store.get("consultation_detail", "all", str(cid))
        if doc is not None:
            check_participation(str(doc.get("identity_level", "anonymous")),
                                who.identity_level)
    return who


async def moderator(web: Web, request: Request) -> ModeratorContext:
    who = _logged_in(web, request)
    if who.is_admin:
        return ModeratorContext(who.id)
    concerned = await _consultations_concerned(web, request)
    if not concerned:
        raise NOT_MODERATOR()
    for cid in concerned:
        if not await may(web.store, who.id, cid, Capability.MODERATE):
            raise NOT_MODERATOR()
    return ModeratorContext(who.id)


async def analyst(web: Web, request: Request) -> AnalystContext:
    who = _logged_in(web, request)
    if who.is_admin:
        return AnalystContext(who.id, None)
    readable = await consultations_where(web.store, who.id, Capability.ANALYSE)
    cid = request.path_params.get("consultation_id")
    if not readable or (cid is not None and str(cid) not in readable):
        raise NOT_ANALYST()
    return AnalystContext(who.id, readable)


async def platform_admin(web: Web, request: Request) -> bool:
    """The settings-configured admin's session, with its CSRF token on a state change."""
    who = visitor(web, request)
    if who is None or not who.is_admin:
        return False
    check_api_csrf(web, request)
    return True


async def team_member(web: Web, request: Request, consultation_id: str) -> bool:
    """Does the session hold a team role (organiser, moderator, analyst, admin) on it."""
    who = visitor(web, request)
    if who is None:
        return False
    return who.is_admin or any([await may(web.store, who.id, consultation_id, capability)
                                for capability in Capability])


def client_of(web: Web, request: Request) -> str:
    """The rate limiter's key for this client: never the IP itself. The socket
    peer's, or the client a trusted proxy names (ADR 0045)."""
    address = client_address(request.client.host if request.client else None,
                             request.headers.getlist("x-forwarded-for"), web.trusted_proxies)
    return web.identity.limits.client(address)


async def limit(web: Web, request: Request, action: str) -> None:
    """The rate limit of `action` (proposal, argument, comment, questionnaire,
    vote, flag), per client and per the session's participant (never read from
    a header: forgeable), on the JSON APIs and the HTML forms alike."""
    who = visitor(web, request)
    await web.identity.limits.check(action, client_of(web, request), who.id if who else None)


@router.get("/api/session")
async def session(request: Request, web: WebDep) -> JSONResponse:
    """Who this browser is, and the token its scripts send as X-CSRF-Token."""
    browser = request.cookies.get(web.csrf.cookie) or web.csrf.new_browser_id()
    who = visitor(web, request)
    response = JSONResponse({
        "participant_id": who.id if who and who.kind == "participant" else None,
        "identity_level": (who.level or None) if who else None,
        "csrf_token": web.csrf.token_for(browser)},
        headers={"Cache-Control": "no-store"})
    if browser != request.cookies.get(web.csrf.cookie):
        response.set_cookie(web.csrf.cookie, browser, httponly=True, samesite="strict",
                            secure=web.csrf.secure, path="/")
    return response


def provide(web: Web, providers: Providers) -> None:
    """Who participates, moderates and analyses for the JSON APIs, the
    contribution rate limit and the participant's territory, all read from the
    same session cookie."""
    providers.participant = partial(participant, web)
    providers.moderator = partial(moderator, web)
    providers.analyst = partial(analyst, web)
    providers.limit = partial(limit, web)
    providers.platform_admin = partial(platform_admin, web)
    providers.team_member = partial(team_member, web)
    providers.territory = web.identity.territory
