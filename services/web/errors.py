"""The front end's answers to what a route raised: French error pages (404, 403,
405...), the login page for the back office, too many requests (429 with
`Retry-After`) and access refused (401/403). Under /api/ the JSON APIs keep their
JSON error shape (ADR 0007)."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import FastAPI
from fastapi.exception_handlers import http_exception_handler
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.types import Scope

from services.core.errors import AccessRefused
from services.identity.ratelimit import RateLimited
from services.web.authz import ParticipantLoginRequired
from services.web.deps import web_of
from services.web.forms import LoginRequired
from services.web.rendering import private_page, public_page

HEADINGS = {403: "Action refusée", 405: "Méthode non autorisée"}


def _api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


async def login_required(request: Request, exc: Exception) -> Response:
    return RedirectResponse(f"/admin/connexion?suite={request.url.path}", status_code=303)


async def participant_login(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ParticipantLoginRequired)
    return RedirectResponse(f"/connexion?suite={quote(exc.suite, safe='/')}", status_code=303)


async def http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if _api(request):
        return await http_exception_handler(request, exc)
    env = web_of(request).env
    if exc.status_code == 404:
        return public_page(request, env, "404.html", {}, status=404)
    message = exc.detail if exc.status_code == 403 else "La requête n'a pas pu aboutir."
    return public_page(request, env, "error.html", {
        "heading": HEADINGS.get(exc.status_code, "Erreur"), "message": message},
        status=exc.status_code)


async def too_many(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RateLimited)
    message = (f"Trop de demandes en peu de temps. Réessayez dans {exc.retry_after} "
               "secondes.")
    response: Response
    if _api(request):
        response = JSONResponse({"error": "rate_limited", "message": message, "field": None},
                                status_code=429)
    else:
        response = private_page(request, web_of(request).env, "error.html", {
            "heading": "Trop de tentatives", "message": message}, status=429)
    response.headers["Retry-After"] = str(exc.retry_after)
    return response


async def refused(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, AccessRefused)
    if _api(request):
        return JSONResponse({"error": exc.code, "message": exc.message, "field": None},
                            status_code=exc.status)
    return private_page(request, web_of(request).env, "error.html", {
        "heading": "Connexion requise" if exc.status == 401 else "Accès refusé",
        "message": exc.message}, status=exc.status)


async def internal_error(request: Request, exc: Exception) -> Response:
    """An unexpected failure (Starlette logs it): a French answer, never a trace."""
    if _api(request):
        return JSONResponse({"error": "internal", "field": None, "message":
                             "Une erreur interne est survenue. Réessayez dans un instant."},
                            status_code=500)
    return private_page(request, web_of(request).env, "error.html", {
        "heading": "Erreur interne", "message": "Une erreur est survenue de notre côté. "
        "Réessayez dans un instant."}, status=500)


ERROR_HEADINGS = {404: "Page introuvable", 409: "Modification concurrente",
                  422: "Demande refusée", 503: "Service momentanément indisponible",
                  504: "Réponse en attente"}


def error_page(request: Request, status: int, message: str) -> Response | None:
    """The page a form's submission gets when a command failed in a way the runtime
    maps to a status (the log out of reach, no answer in time, a conflict...): the
    same message as the JSON API's, in a French page. None under /api/, where the
    JSON answer stands."""
    if _api(request):
        return None
    return private_page(request, web_of(request).env, "error.html", {
        "heading": ERROR_HEADINGS.get(status, "Erreur"), "message": message}, status=status)


def too_large_page(scope: Scope, heading: str, message: str, back: str | None) -> bytes:
    """The HTTP front's 413 for a browser's form, in the site's layout, with a link
    back to the form's page (services/runtime/body_limit.py)."""
    request = Request(scope)
    return web_of(request).env.get_template("error.html").render(
        request=request, heading=heading, message=message, back=back).encode()


def install(app: FastAPI) -> None:
    app.add_exception_handler(LoginRequired, login_required)
    app.add_exception_handler(ParticipantLoginRequired, participant_login)
    app.add_exception_handler(HTTPException, http_error)
    app.add_exception_handler(RateLimited, too_many)
    app.add_exception_handler(AccessRefused, refused)
    app.add_exception_handler(Exception, internal_error)
