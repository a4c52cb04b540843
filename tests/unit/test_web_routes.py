"""The order routes are installed in changes nothing: no two routes of the whole
app (JSON APIs, pages, hot routes) can match the same request, so no route hides
another (the recount page was 404 for months behind a generic `{kind}` route)."""

from __future__ import annotations

import re

from starlette.routing import Route

from services.runtime.app import create_app
from services.runtime.bootstrap import bootstrap
from services.runtime.settings import Settings
from services.web.backoffice.guard import all_routes
from services.web.paths import PAGE_NAMES

PARAM = re.compile(r"\{[^}]+\}")


def methods_and_paths() -> list[tuple[str, str, re.Pattern[str]]]:
    app = create_app(bootstrap(Settings(event_log="memory", read_store="memory")))
    # A hot route shares its path with the router's route it declines to: one path.
    routes = [*all_routes(app.routes), *(r for r in app.routes if isinstance(r, Route))]
    return [(m, r.path, r.path_regex) for r in routes for m in (r.methods or ())]


def concrete(path: str) -> str:
    """A request path the route itself matches: every parameter an id."""
    return PARAM.sub("x1", path)


def test_no_two_routes_match_the_same_request() -> None:
    routes = methods_and_paths()
    clashes = [f"{m} {path} is also matched by {other}"
               for m, path, _ in routes for m2, other, regex in routes
               if m == m2 and other != path and regex.match(concrete(path))]
    assert not clashes, "\n".join(clashes)


def test_an_id_beside_a_page_name_never_takes_the_page() -> None:
    """`{name:ref}` refuses exactly the page names that sit beside ids."""
    routes = methods_and_paths()
    by_path = {path: regex for _, path, regex in routes}
    beside = [p for p in by_path if p.rsplit("/", 1)[-1] in PAGE_NAMES]
    assert beside, "the page names are used somewhere"
    for path in beside:
        matching = [p for p, regex in by_path.items() if regex.match(path)]
        assert matching == [path], (path, matching)
