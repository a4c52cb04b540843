"""Path parameters that cannot be mistaken for a page. `{name:ref}` matches one
path segment that is not one of the page names used beside an id
(`/consultations/{slug}/propositions/nouvelle` beside `.../propositions/{pid:ref}`),
so no two routes match the same path and the order routes are installed in
changes nothing (tests/unit/test_web_routes.py checks it)."""

from __future__ import annotations

from starlette.convertors import Convertor, register_url_convertor

# The static segments that sit beside an id somewhere in the front end.
PAGE_NAMES = ("nouvelle", "similaires", "classement")


class Reference(Convertor[str]):
    regex = "(?!(?:" + "|".join(PAGE_NAMES) + ")(?:/|$))[^/]+"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


def register() -> None:
    register_url_convertor("ref", Reference())
