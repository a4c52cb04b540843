"""CSRF on every POST and the rendering of back-office pages (never cached)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from services.core.errors import DomainError
from services.web.deps import Web
from services.web.rendering import private_page
from services.web.security import CSRF_FIELD


class LoginRequired(Exception):
    """Raised by back-office routes when no valid organiser session is present."""


def require_organiser(web: Web, request: Request) -> str:
    user = organiser(web, request)
    if user is None:
        raise LoginRequired
    return user


def _browser_id(web: Web, request: Request) -> tuple[str, bool]:
    existing = request.cookies.get(web.csrf.cookie)
    if existing:
        return existing, False
    return web.csrf.new_browser_id(), True


# Starlette refuses a form field over 1 MB with a bare 400 (« La requête n'a pas pu
# aboutir »): the HTTP front already bounds the whole body (services/runtime/
# body_limit.py, a French 413 beyond), and each field is then checked by the command
# it feeds, its French error beside it (an article's text: 50,000 characters).
FIELD_MAX_BYTES = 1 << 40


async def posted_form(request: Request) -> FormData:
    """The request's form (read once, kept by the request), fields as large as the
    body the HTTP front let in."""
    return await request.form(max_part_size=FIELD_MAX_BYTES)


async def checked_form(web: Web, request: Request) -> FormData:
    """The posted form, once its CSRF token matches this browser's cookie; GET never
    changes state, so only POST handlers call this."""
    form = await posted_form(request)
    token = form.get(CSRF_FIELD)
    if not web.csrf.valid(request.cookies.get(web.csrf.cookie),
                          token if isinstance(token, str) else None):
        raise HTTPException(403, "Le formulaire a expiré ou ne vient pas de ce site. "
                                 "Rechargez la page et recommencez.")
    return form


def organiser(web: Web, request: Request) -> str | None:
    return web.sessions.user(request.cookies.get(web.sessions.cookie))


def admin_page(web: Web, request: Request, template: str, context: dict[str, Any],
               *, status: int = 200) -> HTMLResponse:
    browser, is_new = _browser_id(web, request)
    context = {"csrf_token": web.csrf.token_for(browser), "organiser": organiser(web, request),
               "errors": {}, **context}
    response = private_page(request, web.env, template, context, status=status)
    if is_new:
        response.set_cookie(web.csrf.cookie, browser, httponly=True, samesite="strict",
                            secure=web.csrf.secure, path="/")
    return response


def text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


class FormError(Exception):
    """A field the web layer could not even turn into a command (a malformed date)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


# Turns a command's field and message into the form's (e.g. a command index into
# the row the organiser sees).
Locate = Callable[[str, str], tuple[str, str]]


def _as_is(field: str, message: str) -> tuple[str, str]:
    return field, message


async def submit(web: Web, request: Request, form: FormData, command: object | None,
                 *, template: str, context: dict[str, Any], success: str,
                 parse_error: FormError | None = None, locate: Locate = _as_is) -> Response:
    """Send `command`; on refusal show the same form again with the French message
    next to the field (DSFR error state) and nothing saved; on success wait for the
    read models, then redirect (POST/redirect/GET)."""
    error: FormError | DomainError | None = parse_error
    if error is None and command is not None:
        try:
            await web.deps.send(command)
        except DomainError as e:
            error = e
    if error is not None:
        field, message = locate(error.field or "__all__", error.message)
        return form_error(web, request, form, template, context, field, message)
    await web.deps.settle()
    return RedirectResponse(success, status_code=303)


def form_error(web: Web, request: Request, form: FormData, template: str,
               context: dict[str, Any], field: str, message: str) -> HTMLResponse:
    """The same form again, as typed, with `message` next to `field` (status 400)."""
    values = {k: v for k, v in form.multi_items() if isinstance(v, str)}
    return admin_page(web, request, template, {
        **context, "values": values, "errors": {field: message}}, status=400)
