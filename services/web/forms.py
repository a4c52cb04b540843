"""CSRF on every POST and the rendering of back-office pages (never cached)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, ParamSpec, TypeVar

from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from services.core.errors import DomainError, refusals_of
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


class UnreadableFields(FormError):
    """Several fields the web layer could not read, in the form's order; its own
    `field` and `message` are the first one's (ADR 0144)."""

    def __init__(self, errors: Sequence[FormError]) -> None:
        super().__init__(errors[0].field, errors[0].message)
        self.errors = tuple(errors)


def raise_unreadable(found: Sequence[FormError]) -> None:
    """Raise what `read_field` gathered, if anything: the one FormError, or them all
    (an `UnreadableFields` among them counts as each of its own)."""
    found = [e for f in found for e in (f.errors if isinstance(f, UnreadableFields) else (f,))]
    if len(found) == 1:
        raise found[0]
    if found:
        raise UnreadableFields(found)


_P = ParamSpec("_P")
_T = TypeVar("_T")


def read_field(found: list[FormError], read: Callable[_P, _T], /, *args: _P.args,
               **kwargs: _P.kwargs) -> _T | None:
    """`read(*args, **kwargs)`, or None once its FormError is added to `found`:
    the form's other fields are still read, and every one that cannot be is
    reported at once (ADR 0144)."""
    try:
        return read(*args, **kwargs)
    except FormError as unreadable:
        found.append(unreadable)
        return None


# Turns a command's field and message into the form's (e.g. a command index into
# the row the organiser sees).
Locate = Callable[[str, str], tuple[str, str]]


def _as_is(field: str, message: str) -> tuple[str, str]:
    return field, message


def located(refused: DomainError, locate: Locate = _as_is) -> list[tuple[str, str]]:
    """Each field a refusal names (all of them when the command's fields were
    refused together, ADR 0144), as the form names it, with its message."""
    return [locate(e.field or "__all__", e.message) for e in refusals_of(refused)]


async def submit(web: Web, request: Request, form: FormData, command: object | None,
                 *, template: str, context: dict[str, Any], success: str,
                 parse_error: FormError | Sequence[FormError] | None = None,
                 locate: Locate = _as_is) -> Response:
    """Send `command`; on refusal show the same form again with each French message
    next to its field (DSFR error state), all of them listed in the error summary,
    and nothing saved; on success wait for the read models, then redirect
    (POST/redirect/GET). `parse_error`: what the form could not turn into the
    command, named as the form names it (`locate` maps the command's fields)."""
    errors: list[tuple[str, str]] = []
    if parse_error is not None:
        unreadable = (parse_error.errors if isinstance(parse_error, UnreadableFields)
                      else [parse_error] if isinstance(parse_error, FormError) else parse_error)
        errors = [(e.field, e.message) for e in unreadable]
    if not errors and command is not None:
        try:
            await web.deps.send(command)
        except DomainError as e:
            errors = located(e, locate)
    if errors:
        return form_errors(web, request, form, template, context, errors)
    await web.deps.settle()
    return RedirectResponse(success, status_code=303)


def form_error(web: Web, request: Request, form: FormData, template: str,
               context: dict[str, Any], field: str, message: str) -> HTMLResponse:
    """The same form again, as typed, with `message` next to `field` (status 400)."""
    return form_errors(web, request, form, template, context, [(field, message)])


def form_errors(web: Web, request: Request, form: FormData, template: str,
                context: dict[str, Any], errors: Sequence[tuple[str, str]]) -> HTMLResponse:
    """The same form again, as typed, each message next to its field, in the order
    given (the summary's); two messages for one field (two territories unknown)
    are said one after the other."""
    shown: dict[str, str] = {}
    for field, message in errors:
        if field not in shown:
            shown[field] = message
        elif message not in shown[field]:
            shown[field] = f"{shown[field]} {message}"
    values = {k: v for k, v in form.multi_items() if isinstance(v, str)}
    return admin_page(web, request, template, {
        **context, "values": values, "errors": shown}, status=400)
