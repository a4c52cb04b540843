"""Path parameters that cannot be mistaken for a page. `{name:ref}` matches one
path segment that is not one of the page names used beside an id
(`/consultations/{slug}/propositions/nouvelle` beside `.../propositions/{pid:ref}`),
so no two routes match the same path and the order routes are installed in
changes nothing (tests/unit/test_web_routes.py checks it)."""

from __future__ import annotations

from collections.abc import Collection

from starlette.convertors import Convertor, register_url_convertor
from starlette.requests import Request

# The static segments that sit beside an id somewhere in the front end.
PAGE_NAMES = ("nouvelle", "similaires", "classement", "importer", "budget")


class Reference(Convertor[str]):
    regex = "(?!(?:" + "|".join(PAGE_NAMES) + ")(?:/|$))[^/]+"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


def register() -> None:
    register_url_convertor("ref", Reference())


def route_segment(request: Request, names: Collection[str]) -> str:
    """Which of `names` the matched route is about, for one handler registered
    under several static paths (one route per content kind instead of a generic
    `{kind}` parameter): read from the route's own path, never from the URL, so
    an id that happens to be such a name cannot fool it."""
    route_path: str = request.scope["route"].path
    return next(segment for segment in route_path.split("/") if segment in names)
