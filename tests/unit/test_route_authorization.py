"""The route table says who may change what (issue #19 item 1, ADR 0040): every
state-changing route of the whole app (JSON APIs, pages, back office) depends on
an authorization dependency checking its caller's role and, for a browser, the
anti-forgery token -- or a machine client's token. A few routes are public by
nature; they are listed here with the reason, and still need the CSRF check."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from harness.web import make_container
from starlette.routing import Route

from services.apikit.authz import Checks, checks_of
from services.runtime.app import create_app
from services.web.backoffice.guard import all_routes

STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})

# (method, path) -> why anyone may call it. Keep it short: each entry is a door.
PUBLIC = {
    ("POST", "/inscription"): "registration: anyone may open an account",
    ("POST", "/connexion"): "asks a magic link: same answer for any address, throttled",
    ("POST", "/connexion/lien"): "uses a magic link: the single-use signed link is the proof",
    ("POST", "/compte/adresse"): "confirms an address change: the single-use signed link, "
                                 "sent to the new address, is the proof (ADR 0145 amended)",
    ("POST", "/connexion/oidc/pseudonyme"): "ends an OpenID Connect sign-in, bound to its "
                                            "signed pending-identity cookie",
    ("POST", "/participer/anonyme"): "opens an anonymous session (gated per consultation, "
                                     "proof of work when asked)",
    ("POST", "/deconnexion"): "ends the caller's own session; harmless without one",
    ("POST", "/admin/connexion"): "the admin's password login, throttled",
    ("POST", "/admin/deconnexion"): "ends the caller's own session; harmless without one",
}
# Routes outside FastAPI's dependency solver that change state, each the fast
# twin of a FastAPI route of the same method and path calling the same gates.
RAW = {
    ("POST", "/api/items/{item_id}/ballot"): "the lean ballot route (ADR 0019) calls the "
                                             "same voter and rate limit as its FastAPI twin",
    ("POST", "/api/consultations/{consultation_id}/proposals"): "the lean proposal route "
        "(ADR 0075) calls the same participant and rate limit as its FastAPI twin",
}


def checks(dependant: Dependant) -> Iterator[Checks]:
    for sub in dependant.dependencies:
        yield from checks_of(sub.call)
        yield from checks(sub)


def state_changing(app: object) -> list[tuple[str, str, frozenset[Checks]]]:
    found = []
    for route in all_routes(app.routes):  # type: ignore[attr-defined]
        for method in sorted(route.methods & STATE_CHANGING):
            found.append((method, route.path, frozenset(checks(route.dependant))))
    return found


@pytest.fixture(scope="module")
def app() -> object:
    return create_app(make_container())


def test_the_walk_sees_every_kind_of_route(app: object) -> None:
    paths = {path for _, path, _ in state_changing(app)}
    assert "/api/consultations" in paths  # a JSON API
    assert "/admin/consultations/nouvelle" in paths  # the back office
    assert "/consultations/{slug}/propositions/nouvelle" in paths  # a participation form
    assert len(paths) > 60


def test_every_state_changing_route_checks_role_and_csrf_or_a_token(app: object) -> None:
    missing = []
    for method, path, found in state_changing(app):
        if Checks.TOKEN in found and Checks.ROLE not in found:
            continue  # a machine client's route: its token is who it is
        needs = {Checks.CSRF} if (method, path) in PUBLIC else {Checks.ROLE, Checks.CSRF}
        if not needs <= found:
            missing.append(f"{method} {path}: {sorted(needs - found)}")
    assert missing == [], "state-changing routes without authorization:\n" + "\n".join(missing)


def test_the_public_list_names_only_routes_that_exist(app: object) -> None:
    existing = {(m, p) for m, p, _ in state_changing(app)}
    assert set(PUBLIC) <= existing


def test_raw_routes_that_change_state_have_a_checked_twin(app: object) -> None:
    checked = {(m, p) for m, p, _ in state_changing(app)}
    for route in app.routes:  # type: ignore[attr-defined]
        if isinstance(route, Route) and not isinstance(route, APIRoute):
            for method in (route.methods or set()) & STATE_CHANGING:
                assert (method, route.path) in RAW, f"unlisted raw route {method} {route.path}"
                assert (method, route.path) in checked
