"""What the platform shows an attacker in production mode (issue #19, items 1
and 6): nobody but the platform admin creates a consultation, drafts stay with
their team, no API documentation nor metrics on the public port, and the
security headers on every answer, redirects, refusals and 413 included."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from harness.forms import admin_client, csrf_header, csrf_of
from harness.platform import (
    ADMIN_PASSWORD,
    SYSTEM,
    Platform,
    open_platform,
    participant,
    session_client,
    until,
)

from services.consultation.commands import CreateConsultation, PublishConsultation
from services.core.ids import new_id
from services.identity.commands import GrantRole
from services.identity.queries import Capability, may
from services.web.backoffice.guard import all_routes
from services.web.deps import web_of_app

API_TOKEN = "jeton-machine-de-test-assez-long"
METRICS_TOKEN = "jeton-metriques-de-test"
NEW = {"title": "Consultation pirate", "slug": "pirate", "summary": "Créée sans droit."}
FOREIGN = {"Origin": "https://attaquant.example"}


@pytest.fixture
async def prod(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Platform]:
    env = {"ENVIRONMENT": "production", "API_TOKEN": API_TOKEN,
           "METRICS_TOKEN": METRICS_TOKEN, "MAX_BODY_BYTES": "2000"}
    async with open_platform(tmp_path, monkeypatch, env=env) as p:
        yield p


async def created(p: Platform) -> list[object]:
    return [r for r in await p.container.log.read("consultation.events")
            if r.event.type == "consultation.ConsultationCreated"]


# -- item 1: creating a consultation, drafts ---------------------------------------------


async def test_anonymous_and_cross_site_creation_is_refused(prod: Platform) -> None:
    client = prod.client()
    for headers in ({}, FOREIGN, {"Authorization": "Bearer devine"}):
        r = await client.post("/api/consultations", json=NEW, headers=headers)
        assert r.status_code == 403, r.text
        assert "administrateurs" in r.json()["detail"]
    pid = await participant(prod, "Curieux")
    web = web_of_app(prod.app)
    client.cookies.set(web.sessions.cookie, web.sessions.issue(pid, kind="participant",
                                                               level="email"),
                       domain="parlons.test")
    r = await client.post("/api/consultations", json=NEW, headers=await csrf_header(client))
    assert r.status_code == 403
    assert await created(prod) == []


async def test_the_admin_session_needs_its_csrf_token_and_own_origin(prod: Platform) -> None:
    client = await admin_client(prod)
    assert (await client.post("/api/consultations", json=NEW)).status_code == 403
    token = await csrf_header(client)
    foreign = await client.post("/api/consultations", json=NEW, headers={**token, **FOREIGN})
    assert foreign.status_code == 403
    assert await created(prod) == []
    ok = await client.post("/api/consultations", json=NEW, headers=token)
    assert ok.status_code == 201, ok.text


async def test_a_machine_client_creates_with_the_api_token(prod: Platform) -> None:
    r = await prod.client().post("/api/consultations", json=NEW,
                                 headers={"Authorization": f"Bearer {API_TOKEN}"})
    assert r.status_code == 201, r.text
    assert len(await created(prod)) == 1


async def test_a_draft_is_visible_to_its_team_only(prod: Platform) -> None:
    system = SYSTEM
    draft, public = new_id(), new_id()
    await prod.container.handle(CreateConsultation(draft, "Brouillon", "brouillon"), system)
    await prod.container.handle(CreateConsultation(public, "Publique", "publique"), system)
    await prod.container.handle(PublishConsultation(public), system)
    organiser = await participant(prod, "Orga")
    await prod.container.handle(GrantRole(organiser, draft, "organiser"), system)
    anonymous = prod.client()

    async def listed() -> set[str]:
        items = (await anonymous.get("/api/consultations")).json()["items"]
        return {i["id"] for i in items}

    await until(lambda: _has(prod, public))
    await until(lambda: may(prod.container.store, organiser, draft, Capability.MANAGE))
    assert await listed() == {public}
    assert (await anonymous.get(f"/api/consultations/{public}")).status_code == 200
    assert (await anonymous.get(f"/api/consultations/{draft}")).status_code == 404

    team = prod.client()
    web = web_of_app(prod.app)
    team.cookies.set(web.sessions.cookie, web.sessions.issue(organiser, kind="participant",
                                                             level="email"),
                     domain="parlons.test")
    assert (await team.get(f"/api/consultations/{draft}")).status_code == 200
    machine = {"Authorization": f"Bearer {API_TOKEN}"}
    items = (await anonymous.get("/api/consultations", headers=machine)).json()["items"]
    assert {i["id"] for i in items} == {draft, public}


async def _has(p: Platform, cid: str) -> bool:
    return await p.container.store.get("published_consultations", "all", cid) is not None


# -- item 6: the production surface ------------------------------------------------------


async def test_no_api_documentation_in_production(prod: Platform) -> None:
    client = prod.client()
    for path in ("/docs", "/redoc", "/openapi.json"):
        assert (await client.get(path)).status_code == 404, path


async def test_metrics_need_their_token_in_production(prod: Platform) -> None:
    client = prod.client()
    assert (await client.get("/metrics")).status_code == 404
    wrong = await client.get("/metrics", headers={"Authorization": "Bearer non"})
    assert wrong.status_code == 404
    ok = await client.get("/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
    assert ok.status_code == 200 and "parlons_" in ok.text


async def test_every_answer_carries_the_security_headers(prod: Platform) -> None:
    client = prod.client()
    answers = {
        "page": await client.get("/"),
        "404": await client.get("/nulle-part"),
        "back-office redirect": await client.get("/admin"),
        "api 403": await client.post("/api/consultations", json=NEW),
        "413": await client.post("/api/consultations", content=b"x" * 5000,
                                 headers={"Content-Type": "application/json"}),
        "health": await client.get("/healthz"),
        "api 404": await client.get("/api/consultations/inconnue"),
    }
    pid = await participant(prod, "Simple")
    web = web_of_app(prod.app)
    someone = prod.client()
    someone.cookies.set(web.sessions.cookie, web.sessions.issue(pid, kind="participant",
                                                                level="email"),
                        domain="parlons.test")
    answers["back-office 403"] = await someone.get("/admin/consultations/nouvelle")
    assert answers["back-office redirect"].status_code == 303
    assert answers["back-office 403"].status_code == 403
    assert answers["413"].status_code == 413
    for what, r in answers.items():
        h = r.headers
        assert h.get("strict-transport-security") == "max-age=31536000; includeSubDomains", what
        assert h.get("x-content-type-options") == "nosniff", what
        assert h.get("x-frame-options") == "DENY", what
        assert "frame-ancestors 'none'" in h.get("content-security-policy", ""), what
        directives = h["content-security-policy"].split(";")
        for directive in directives:
            sources = directive.split()[1:]
            assert "https:" not in sources and "http:" not in sources, (what, directive)
            assert "'unsafe-inline'" not in sources, (what, directive)


async def test_a_form_posted_from_another_site_is_refused(prod: Platform) -> None:
    """Even with this browser's valid token (a same-site sibling could read it)."""
    client = prod.client()
    page = await client.get("/admin/connexion")
    form = {"csrf_token": csrf_of(page.text), "utilisateur": "orga",
            "mot_de_passe": ADMIN_PASSWORD, "suite": "/admin"}
    r = await client.post("/admin/connexion", data=form, headers=FOREIGN)
    assert r.status_code == 403 and "ne vient pas de ce site" in r.text
    ok = await client.post("/admin/connexion", data=form,
                           headers={"Origin": "https://parlons.test"})
    assert ok.status_code == 303


async def test_an_unexpected_failure_answers_in_french_with_the_headers(prod: Platform) -> None:
    async def boom() -> None:
        raise RuntimeError("bug")

    prod.app.add_api_route("/api/boom", boom)  # type: ignore[attr-defined]
    prod.app.add_api_route("/boom", boom)  # type: ignore[attr-defined]
    async with session_client(prod, None) as client:
        for path in ("/api/boom", "/boom"):
            r = await client.get(path)
            assert r.status_code == 500, path
            assert "Réessayez dans un instant" in r.text and "bug" not in r.text
            assert r.headers.get("x-frame-options") == "DENY", path
            assert "includeSubDomains" in r.headers.get("strict-transport-security", ""), path


async def test_a_scan_of_every_get_route_finds_the_headers_on_every_answer(
        prod: Platform) -> None:
    """Every GET route of the app, path parameters filled with an unknown id,
    anonymously: whatever the answer (page, redirect, 401, 403, 404), the headers."""
    paths = sorted({re.sub(r"\{[^}]+\}", "inconnu", r.path)
                    for r in all_routes(prod.app.routes)  # type: ignore[attr-defined]
                    if "GET" in r.methods})
    assert len(paths) > 50
    async with session_client(prod, None) as client:
        for path in paths:
            r = await client.get(path)
            assert r.status_code != 500, path
            assert r.headers.get("x-content-type-options") == "nosniff", path
            assert "includeSubDomains" in r.headers.get("strict-transport-security", ""), path
            assert "default-src 'self'" in r.headers.get("content-security-policy", ""), path
