"""Registration, magic-link login, anonymous sessions and logout (participants)."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from services.core.errors import DomainError
from services.identity import model
from services.identity.commands import RaiseIdentityLevel, RecordSignIn, RegisterParticipant
from services.identity.ports import Mail
from services.identity.ratelimit import enforce
from services.web.account.deps import IdentityWeb
from services.web.forms import admin_page, checked_form, text
from services.web.session import close_session, open_session

HOUR = 3600.0
SENT = "account/sent.html"


def safe_local(target: str) -> str:
    """Only a path of this site: never an open redirect."""
    ok = target.startswith("/") and not target.startswith("//") and "\\" not in target
    return target if ok else "/"


def routes(iw: IdentityWeb) -> APIRouter:
    router = APIRouter()
    web, ports = iw.web, iw.ports

    async def limit_login(request: Request, identity: str = "") -> None:
        keys = [iw.client(request)] + ([f"i:{identity}"] if identity else [])
        await enforce(ports.limiter, keys, limit=ports.settings.rate_login_per_hour,
                      window=HOUR)

    async def send_link(pid: str, email: str, pseudonym: str) -> None:
        link = f"{ports.settings.public_url}/connexion/lien?jeton={ports.links.issue(pid)}"
        await ports.mailer.send(Mail(person_id=pid, to=email,
                                     subject="Votre lien de connexion à Parlons",
                                     body=f"Bonjour {pseudonym},\n\nPour vous connecter, "
                                          f"ouvrez ce lien (valable 15 minutes, une seule "
                                          f"fois) :\n{link}\n\nSi vous n'avez rien demandé, "
                                          "ignorez ce message.\n"))

    @router.get("/inscription")
    async def register_form(request: Request) -> Response:
        return admin_page(web, request, "account/register.html", {"values": {}})

    @router.post("/inscription")
    async def register(request: Request) -> Response:
        form = await checked_form(web, request)
        await limit_login(request)
        values = {k: text(form, k) for k in ("email", "pseudonym", "postcode")}
        pid = model.new_participant_id()
        try:
            await iw.run(RegisterParticipant(participant_id=pid, **values), actor_id=pid)
        except DomainError as e:
            return admin_page(web, request, "account/register.html", {
                "values": values, "errors": {e.field or "__all__": e.message}}, status=400)
        await send_link(pid, model.normalise_email(values["email"]),
                        model.normalise_pseudonym(values["pseudonym"]))
        return admin_page(web, request, SENT, {})

    @router.get("/connexion")
    async def login_form(request: Request, suite: str = "/compte") -> Response:
        return admin_page(web, request, "account/login.html", {
            "values": {}, "suite": safe_local(suite),
            "oidc_label": ports.settings.oidc_label if ports.settings.oidc_issuer else ""})

    @router.post("/connexion")
    async def login(request: Request) -> Response:
        form = await checked_form(web, request)
        raw = text(form, "email")
        try:
            email = model.normalise_email(raw)
        except DomainError as e:
            return admin_page(web, request, "account/login.html", {
                "values": {"email": raw}, "suite": "/compte",
                "errors": {"email": e.message}}, status=400)
        lookup = model.email_lookup_value(email)
        await limit_login(request, ports.vault.blind_index("rate-email", lookup)[:32])
        pid = await ports.vault.find("email", lookup)
        profile = await ports.vault.profile(pid) if pid else None
        if pid and profile:  # the same answer either way: no account enumeration
            await send_link(pid, email, str(profile["pseudonym"]))
        return admin_page(web, request, SENT, {})

    @router.get("/connexion/lien")
    async def confirm_form(request: Request, jeton: str = "") -> Response:
        # GET changes nothing (mail scanners open links): the visitor confirms by POST.
        try:
            ports.links.check(jeton)
        except DomainError as e:
            return admin_page(web, request, "account/link_error.html",
                              {"message": e.message}, status=400)
        return admin_page(web, request, "account/confirm.html", {"jeton": jeton})

    @router.post("/connexion/lien")
    async def confirm(request: Request) -> Response:
        form = await checked_form(web, request)
        await limit_login(request)
        try:
            claims = await ports.links.consume(text(form, "jeton"))
        except DomainError as e:
            return admin_page(web, request, "account/link_error.html",
                              {"message": e.message}, status=400)
        pid = claims.participant_id
        if await ports.vault.profile(pid) is None:  # erased since the link was sent
            return admin_page(web, request, "account/link_error.html", {
                "message": "Ce compte n'existe plus."}, status=400)
        await iw.run(RaiseIdentityLevel(pid, "email", "magic_link"), actor_id=pid)
        await iw.run(RecordSignIn(pid, "magic_link"), actor_id=pid)
        await web.deps.settle()
        level = "verified" if await _is_verified(iw, pid) else "email"
        response = RedirectResponse("/compte", status_code=303)
        open_session(web, response, pid, level)
        return response

    @router.post("/deconnexion")
    async def logout(request: Request) -> Response:
        await checked_form(web, request)
        response = RedirectResponse("/", status_code=303)
        close_session(web, response)
        return response

    return router


async def _is_verified(iw: IdentityWeb, pid: str) -> bool:
    from services.identity.queries import identity_level

    return await identity_level(iw.web.deps.store, pid) == "verified"
