"""« Modifier mon profil » (/compte/profil, ADR 0145): a registered participant
changes their pseudonym and postcode, and asks to change their e-mail address
(ADR 0145 amended: a link to the new address, /compte/adresse, confirms it).
Only the session's own profile: no participant id is read from the address or
the form. The identity flows do the rest (services/identity/flows.py,
email_change.py)."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from services.apikit.deps import rate_limited
from services.core.errors import DomainError
from services.identity.model import PSEUDONYM_CHARACTERS, PSEUDONYM_MAX, PSEUDONYM_MIN
from services.web.account.pages import participant
from services.web.account.providers import client_of
from services.web.authz import PARTICIPANT_FORM, PUBLIC_FORM
from services.web.deps import Web, WebDep
from services.web.forms import admin_page, checked_form, located, text

PAGE = "/compte/profil"
EMAIL_ACTION = "/compte/profil/adresse"
EMAIL_LINK = "/compte/adresse"  # where the link sent to the new address lands
EMAIL_SENT = "/compte/profil?adresse=envoyee"  # the profile page says it (PRG)
FORM = "account/profile.html"
NEEDS_ACCOUNT = "account/profile_needs_account.html"
EMAIL_LINK_ERROR = "account/email_link_error.html"
DONE = "/compte?profil=modifie"  # « Mon compte » says it (PRG)
PSEUDONYM_HINT = (f"De {PSEUDONYM_MIN} à {PSEUDONYM_MAX} caractères ({PSEUDONYM_CHARACTERS}), "
                  "montré aux seules équipes des consultations (vos contributions paraissent "
                  "sans nom d'auteur). Le pseudonyme que vous quittez reste réservé : "
                  "personne, pas même vous, ne pourra le reprendre.")

router = APIRouter()


@router.get(PAGE)
async def profile_form(request: Request, web: WebDep, adresse: str = "") -> Response:
    who = participant(web, request)
    if who is None:
        return RedirectResponse(f"/connexion?suite={PAGE}", status_code=303)
    profile = await web.identity.profile(who.id)
    if profile is None:  # an anonymous session: no pseudonym, no postcode
        return admin_page(web, request, NEEDS_ACCOUNT, {})
    return await _form(web, request, who.id, profile, _shown(profile),
                       sent=adresse == "envoyee")


@router.post(PAGE, dependencies=[*PARTICIPANT_FORM, rate_limited("profile")])
async def change_profile(request: Request, web: WebDep) -> Response:
    form = await checked_form(web, request)
    who = participant(web, request)
    assert who is not None  # PARTICIPANT_FORM sent anyone else to the login page
    values = {"pseudonym": text(form, "pseudonym"), "postcode": text(form, "postcode")}
    profile = await web.identity.profile(who.id)
    if profile is None:
        return admin_page(web, request, NEEDS_ACCOUNT, {}, status=403)
    try:
        await web.identity.change_profile(who.id, **values)
    except DomainError as refused:
        if refused.code == "no_account":  # erased meanwhile, from another tab
            return admin_page(web, request, NEEDS_ACCOUNT, {}, status=403)
        return await _form(web, request, who.id, profile, {**_shown(profile), **values},
                           dict(located(refused)), status=400)
    return RedirectResponse(DONE, status_code=303)


@router.post(EMAIL_ACTION, dependencies=[*PARTICIPANT_FORM, rate_limited("profile")])
async def change_email(request: Request, web: WebDep) -> Response:
    """The link to the new address (and a notice to the old one); the same answer
    when another account holds it (no account enumeration)."""
    form = await checked_form(web, request)
    who = participant(web, request)
    assert who is not None  # PARTICIPANT_FORM sent anyone else to the login page
    typed = text(form, "email")
    profile = await web.identity.profile(who.id)
    if profile is None:
        return admin_page(web, request, NEEDS_ACCOUNT, {}, status=403)
    try:
        await web.identity.email_change.request(client_of(web, request), who.id, typed)
    except DomainError as refused:
        if refused.code == "no_account":  # erased meanwhile, from another tab
            return admin_page(web, request, NEEDS_ACCOUNT, {}, status=403)
        return await _form(web, request, who.id, profile, {**_shown(profile), "email": typed},
                           {"email": refused.message}, status=400, email_refused=True)
    return RedirectResponse(EMAIL_SENT, status_code=303)


@router.get(EMAIL_LINK)
async def email_link(request: Request, web: WebDep, jeton: str = "") -> Response:
    # GET changes nothing (mail scanners open links): the visitor confirms by POST.
    try:
        web.identity.email_change.check(jeton)
    except DomainError as e:
        return admin_page(web, request, EMAIL_LINK_ERROR, {"message": e.message}, status=400)
    return admin_page(web, request, "account/email_confirm.html", {"jeton": jeton})


@router.post(EMAIL_LINK, dependencies=PUBLIC_FORM)
async def confirm_email(request: Request, web: WebDep) -> Response:
    """The link's holder (whoever opened the mail, signed in or not) confirms."""
    form = await checked_form(web, request)
    try:
        await web.identity.email_change.confirm(client_of(web, request), text(form, "jeton"))
    except DomainError as e:
        return admin_page(web, request, EMAIL_LINK_ERROR, {"message": e.message}, status=400)
    return admin_page(web, request, "account/email_changed.html", {})


def _shown(profile: dict[str, object]) -> dict[str, str]:
    return {"pseudonym": str(profile.get("pseudonym") or ""),
            "postcode": str(profile.get("postcode") or "")}


async def _form(web: Web, request: Request, pid: str, profile: dict[str, object],
                values: dict[str, str], errors: dict[str, str] | None = None,
                status: int = 200, *, sent: bool = False,
                email_refused: bool = False) -> Response:
    """The page; `profile`: the vault's, as the handler read it (a refusal changed
    nothing in it)."""
    return admin_page(web, request, FORM, {
        "values": values, "errors": errors or {}, "pseudonym_hint": PSEUDONYM_HINT,
        "email": str(profile.get("email") or ""), "sent": sent,
        "email_refused": email_refused,
        "email_changeable": await web.identity.email_change.allowed(pid),
        "provider": web.identity.ports.settings.oidc_label,
        "minutes": web.identity.ports.links.minutes}, status=status)
