"""« Modifier mon profil » (/compte/profil, ADR 0145): a registered participant
changes their pseudonym and postcode. Only the session's own profile: no
participant id is read from the address or the form. The identity flows do the
rest (services/identity/flows.py)."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from services.apikit.deps import rate_limited
from services.core.errors import DomainError
from services.identity.model import PSEUDONYM_CHARACTERS, PSEUDONYM_MAX, PSEUDONYM_MIN
from services.web.account.pages import participant
from services.web.authz import PARTICIPANT_FORM
from services.web.deps import Web, WebDep
from services.web.forms import admin_page, checked_form, located, text

PAGE = "/compte/profil"
FORM = "account/profile.html"
NEEDS_ACCOUNT = "account/profile_needs_account.html"
DONE = "/compte?profil=modifie"  # « Mon compte » says it (PRG)
PSEUDONYM_HINT = (f"De {PSEUDONYM_MIN} à {PSEUDONYM_MAX} caractères ({PSEUDONYM_CHARACTERS}), "
                  "visible publiquement. Le pseudonyme que vous quittez reste réservé : "
                  "personne, pas même vous, ne pourra le reprendre.")

router = APIRouter()


@router.get(PAGE)
async def profile_form(request: Request, web: WebDep) -> Response:
    who = participant(web, request)
    if who is None:
        return RedirectResponse(f"/connexion?suite={PAGE}", status_code=303)
    profile = await web.identity.profile(who.id)
    if profile is None:  # an anonymous session: no pseudonym, no postcode
        return admin_page(web, request, NEEDS_ACCOUNT, {})
    return _form(web, request, {"pseudonym": str(profile.get("pseudonym") or ""),
                                "postcode": str(profile.get("postcode") or "")})


@router.post(PAGE, dependencies=[*PARTICIPANT_FORM, rate_limited("profile")])
async def change_profile(request: Request, web: WebDep) -> Response:
    form = await checked_form(web, request)
    who = participant(web, request)
    assert who is not None  # PARTICIPANT_FORM sent anyone else to the login page
    values = {"pseudonym": text(form, "pseudonym"), "postcode": text(form, "postcode")}
    if await web.identity.profile(who.id) is None:
        return admin_page(web, request, NEEDS_ACCOUNT, {}, status=403)
    try:
        await web.identity.change_profile(who.id, **values)
    except DomainError as refused:
        if refused.code == "no_account":  # erased meanwhile, from another tab
            return admin_page(web, request, NEEDS_ACCOUNT, {}, status=403)
        return _form(web, request, values, dict(located(refused)), status=400)
    return RedirectResponse(DONE, status_code=303)


def _form(web: Web, request: Request, values: dict[str, str],
          errors: dict[str, str] | None = None, status: int = 200) -> Response:
    return admin_page(web, request, FORM, {"values": values, "errors": errors or {},
                                           "pseudonym_hint": PSEUDONYM_HINT}, status=status)
