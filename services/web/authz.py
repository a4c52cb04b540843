"""The web front end's authorization dependencies (ADR 0040): the anti-forgery
check of every state change and the participant a participation form needs.
The back office's role check is `backoffice.guard.back_office`. Each is marked
(`services.apikit.authz`) so that a test walks the route table for them."""

from __future__ import annotations

from urllib.parse import urlsplit

from fastapi import Depends
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.routing import Match

from services.apikit.authz import Checks, authorizes
from services.web.deps import web_of
from services.web.forms import posted_form
from services.web.security import CSRF_FIELD, origin_and_csrf_header
from services.web.session import visitor

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
FORGED = ("Le formulaire a expiré ou ne vient pas de ce site. "
          "Rechargez la page et recommencez.")


class ParticipantLoginRequired(Exception):
    """A participation form posted without a participant's session (expired,
    revoked, never opened): the login page, then back to `suite`."""

    def __init__(self, suite: str) -> None:
        super().__init__(suite)
        self.suite = suite


@authorizes(Checks.CSRF)
async def csrf_protected(request: Request) -> None:
    """A state change must come from this site: its `Origin`, when the browser
    sends one, is ours, and it carries the signed double-submit token (form field
    or `X-CSRF-Token` header) bound to this browser's CSRF cookie."""
    if request.method in SAFE_METHODS:
        return
    web = web_of(request)
    origin, token = origin_and_csrf_header(request.scope["headers"])
    # The host only: behind a proxy terminating TLS the app may see http while the
    # browser says https. Another site's page names its own host.
    if origin is not None and urlsplit(origin).netloc != request.url.netloc:
        raise HTTPException(403, FORGED)
    if token is None and "form" in request.headers.get("content-type", ""):
        form = await posted_form(request)  # kept by the request: the route reads the same
        field = form.get(CSRF_FIELD)
        token = field if isinstance(field, str) else None
    if not web.csrf.valid(request.cookies.get(web.csrf.cookie), token):
        raise HTTPException(403, FORGED)


@authorizes(Checks.ROLE)
async def participant_session(request: Request) -> None:
    """A participant's session (e-mail, verified or anonymous): else the login
    page, back to the page the form was on."""
    who = visitor(web_of(request), request)
    if who is None or who.kind != "participant":
        raise ParticipantLoginRequired(_page_of(request))


def _page_of(request: Request) -> str:
    """The page the form was posted from: the Referer when it is one of ours;
    without one (a browser or a proxy that leaves it out), the page the form's
    address belongs to; else home."""
    referer = request.headers.get("referer", "")
    own = f"{request.url.scheme}://{request.url.netloc}/"
    if referer.startswith(own):
        path = "/" + referer[len(own):]
        return path if not path.startswith("//") and "\\" not in path else "/"
    return _form_page(request)


def _form_page(request: Request) -> str:
    """The page a form posted to this address is on: the address itself when it
    is also a page (a proposal's or a questionnaire's form), else the page one
    level up (an argument's form is on its proposal's page), else home."""
    path = request.url.path.rstrip("/")
    for candidate in (path, path.rpartition("/")[0]):
        scope = {"type": "http", "method": "GET", "path": candidate, "root_path": ""}
        if candidate and not candidate.startswith("//") and "\\" not in candidate and any(
                route.matches(scope)[0] == Match.FULL for route in request.app.router.routes):
            return candidate
    return "/"


CsrfProtected = Depends(csrf_protected)
ParticipantSession = Depends(participant_session)
# Every state change of a participation form: a participant, from this site.
PARTICIPANT_FORM = [CsrfProtected, ParticipantSession]
# Forms anyone may post (login, registration...): from this site.
PUBLIC_FORM = [CsrfProtected]
