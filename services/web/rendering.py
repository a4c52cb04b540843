"""Jinja2 environment and the two ways a page leaves: public (cacheable, ETag)
and private (back office: never stored)."""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from services.consultation.richtext import render_markdown
from services.consultation.uploads import media_label
from services.core.plurals import french_noun

TEMPLATES = Path(__file__).parent / "templates"

_MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
           "septembre", "octobre", "novembre", "décembre")


PARIS = ZoneInfo("Europe/Paris")


def _parse(value: str | date | datetime | None) -> datetime | date | None:
    """A date as given, or a moment shown in Europe/Paris: events and read models
    keep times in UTC (a naive time is one of them), people read them in France's
    time, summer and winter alike."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        return value
    else:
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return None
        if len(value) <= 10:  # "2026-12-04": a day, not a moment
            return moment.date()
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(PARIS)


def french_date(value: str | date | datetime | None) -> str:
    d = _parse(value)
    if d is None:
        return ""
    return f"{d.day} {_MONTHS[d.month - 1]} {d.year}"


def french_datetime(value: str | date | datetime | None) -> str:
    d = _parse(value)
    if not isinstance(d, datetime):
        return french_date(d)
    return f"{french_date(d)} à {d.hour:02d} h {d.minute:02d}"


def french_number(value: float | None, decimals: int = 0) -> str:
    """« 12 345 », « 77,5 »: thousands grouped by a narrow no-break space (as
    `vote.budget.euros`), a decimal comma; `decimals` digits after it."""
    if value is None:
        return ""
    return f"{value:,.{decimals}f}".replace(",", "\u202f").replace(".", ",")


def count_fr(n: int | None, singular: str, plural: str | None = None) -> str:
    """« 0 vote », « 1 vote », « 2 votes », « 1 234 votes »: French takes the
    singular below two (« vote(s) » read as English); `plural` when it is not the
    singular with an « s » (« lignes écartées »)."""
    if n is None:
        return ""
    return f"{french_number(n)} {french_noun(n, singular, plural)}"


_HEADING = re.compile(r"<(/?)h([1-6])>")


def markdown_under(source: str, level: int) -> str:
    """Markdown as sanitised HTML (`richtext`, safe to insert) whose headings sit
    under a page's heading of `level`: the text's shallowest heading at level + 1
    (« # », or « ## » in a text without any « # »), each deeper one below it (h6
    the deepest), so no level is skipped under the page's. The HTML kept in the
    read models starts every text at h2."""
    html = render_markdown(source, top=level + 1)
    found = [int(m[2]) for m in _HEADING.finditer(html)]
    lift = min(found) - (level + 1) if found else 0
    if lift <= 0:
        return html
    return _HEADING.sub(lambda m: f"<{m[1]}h{int(m[2]) - lift}>", html)


def file_size(size: int) -> str:
    """« moins de 1 Ko », « 12 Ko », « 1,5 Mo »: never « 0 Ko » for a small file."""
    if size < 1024:
        return "moins de 1 Ko"
    if size < 1024 * 1024:
        return f"{round(size / 1024)} Ko"
    return f"{french_number(size / (1024 * 1024), 1).removesuffix(',0')} Mo"


def build_environment(globals_: dict[str, Any]) -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )
    env.filters["date_fr"] = french_date
    env.filters["datetime_fr"] = french_datetime
    env.filters["number_fr"] = french_number
    env.filters["count_fr"] = count_fr
    env.filters["markdown_under"] = markdown_under
    env.filters["file_size_fr"] = file_size
    env.filters["file_kind_fr"] = media_label
    env.globals.update(globals_)
    return env


def etag_of(body: bytes) -> str:
    return '"' + hashlib.blake2b(body, digest_size=16).hexdigest() + '"'


def _matches(if_none_match: str | None, etag: str) -> bool:
    if not if_none_match:
        return False
    tags = {t.strip().removeprefix("W/") for t in if_none_match.split(",")}
    return etag in tags or "*" in tags


def public_page(request: Request, env: Environment, template: str, context: dict[str, Any],
                *, status: int = 200) -> Response:
    """Same bytes for every visitor (no per-user content, no CSRF token), so caches
    may keep it: an unchanged page costs a 304 and no body. `public, no-cache`
    is a mark that services.web.page_cache turns into the policy (public with a
    max-age without a session, private with one; ADR 0071)."""
    body = env.get_template(template).render(request=request, **context).encode()
    etag = etag_of(body)
    headers = {"ETag": etag, "Cache-Control": "public, no-cache"}
    if status == 200 and _matches(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers=headers)
    return HTMLResponse(body, status_code=status, headers=headers)


def private_page(request: Request, env: Environment, template: str, context: dict[str, Any],
                 *, status: int = 200) -> HTMLResponse:
    body = env.get_template(template).render(request=request, **context)
    return HTMLResponse(body, status_code=status, headers={"Cache-Control": "no-store"})
