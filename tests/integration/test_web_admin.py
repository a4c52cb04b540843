"""The back office through the real app and container: login, CSRF, French
errors next to the field with nothing saved, create/schedule/publish."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from harness.forms import csrf_of
from harness.web import ADMIN_PASSWORD, web_client


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with web_client() as c:
        yield c


async def login(client: httpx.AsyncClient) -> None:
    page = await client.get("/admin/connexion")
    r = await client.post("/admin/connexion", data={
        "csrf_token": csrf_of(page.text), "utilisateur": "orga",
        "mot_de_passe": ADMIN_PASSWORD, "suite": "/admin"})
    assert r.status_code == 303 and r.headers["location"] == "/admin"
    assert "httponly" in r.headers["set-cookie"].lower()
    assert "samesite=strict" in r.headers["set-cookie"].lower()


async def create(client: httpx.AsyncClient, **fields: str) -> httpx.Response:
    page = await client.get("/admin/consultations/nouvelle")
    return await client.post("/admin/consultations/nouvelle",
                             data={"csrf_token": csrf_of(page.text), **fields})


async def test_back_office_needs_a_login(client):
    r = await client.get("/admin")
    assert r.status_code == 303 and r.headers["location"].startswith("/admin/connexion")


async def test_wrong_password_is_refused_in_french(client):
    page = await client.get("/admin/connexion")
    r = await client.post("/admin/connexion", data={
        "csrf_token": csrf_of(page.text), "utilisateur": "orga", "mot_de_passe": "non"})
    assert r.status_code == 400 and "Identifiant ou mot de passe incorrect." in r.text
    assert "parlons_session" not in r.headers.get("set-cookie", "")


async def test_post_without_csrf_token_is_refused(client):
    await login(client)
    r = await client.post("/admin/consultations/nouvelle",
                          data={"title": "Sans jeton", "slug": "sans-jeton"})
    assert r.status_code == 403
    assert "formulaire a expiré" in r.text
    assert "Sans jeton" not in (await client.get("/admin")).text


async def test_invalid_slug_shows_french_error_next_to_field_and_saves_nothing(client):
    await login(client)
    r = await create(client, title="Mobilités", slug="Pas Valide!")
    assert r.status_code == 400
    assert 'id="f-slug-err"' in r.text and "minuscules" in r.text
    assert "fr-input-group--error" in r.text
    assert "Mobilités" not in (await client.get("/admin")).text.split("<tbody>")[1]


async def test_script_in_title_is_rendered_escaped(client):
    await login(client)
    r = await create(client, title="<script>alert(1)</script> Vélo", slug="velo")
    assert r.status_code == 303
    page = await client.get(r.headers["location"])
    assert "<script>alert(1)</script>" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Vélo" in page.text


async def test_recount_page_is_reached_beside_the_content_pages():
    """`/admin/consultations/<cid>/recomptage` is the vote package's recount page,
    not taken for a kind of content (it answered 404 while a generic
    `/admin/consultations/{cid}/{kind}` route caught it)."""
    # the recount reads the event log, a port the page asks for by name (make_deps
    # hands the container's ports to the web app)
    async with web_client() as c:
        await login(c)
        created = await create(c, title="Budget participatif", slug="budget")
        assert created.status_code == 303
        cid = created.headers["location"].rsplit("/", 1)[1]
        r = await c.get(f"/admin/consultations/{cid}/recomptage")
        assert r.status_code == 200
        assert "<h1>Recomptage des votes</h1>" in r.text and "Budget participatif" in r.text
        assert "Aucune différence" in r.text


async def test_a_vote_phase_with_frozen_results_keeps_its_dates():
    """Re-opening or extending a vote phase whose results are frozen is refused
    in French next to the field, and nothing is saved (issue #15)."""
    from datetime import UTC, datetime, timedelta

    from harness.platform import SYSTEM
    from harness.web import catch_up, make_container

    from services.consultation.commands import (
        CreateConsultation,
        PhaseSpec,
        PublishConsultation,
        SchedulePhases,
    )
    from services.vote.commands import FreezeResults

    container = make_container()
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    ended = PhaseSpec("vote", "vote", "Vote", now - timedelta(days=3), now - timedelta(days=1),
                      actions=("vote_agree",))
    async with web_client(container) as c:
        for cmd in (CreateConsultation("c-fige", "Vote figé", "vote-fige"),
                    SchedulePhases("c-fige", (ended,)), PublishConsultation("c-fige")):
            await container.handle(cmd, SYSTEM)
        await catch_up(container)
        await login(c)
        page = await c.get("/admin/consultations/c-fige/phases")
        fields = {"phases.0.phase_id": "vote", "phases.0.kind": "vote", "phases.0.title": "Vote",
                  "phases.0.starts_at": (now - timedelta(days=3)).strftime("%Y-%m-%dT%H:%M"),
                  "phases.0.ends_at": (now + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")}
        reopened = {"csrf_token": csrf_of(page.text), **fields}
        assert (await c.post("/admin/consultations/c-fige/phases", data=reopened)
                ).status_code == 303  # not frozen yet: the organiser may re-open it
        await container.handle(SchedulePhases("c-fige", (ended,)), SYSTEM)
        await catch_up(container)
        assert (await container.handle(FreezeResults("c-fige", "vote"), SYSTEM)
                )["status"] == "frozen"
        await catch_up(container)
        refused = await c.post("/admin/consultations/c-fige/phases", data=reopened)
        assert refused.status_code == 400
        assert "sont figés" in refused.text
        phases = [e async for e in _phases(container)]
        assert len(phases) == 3  # scheduled, re-opened, closed again: nothing more


async def _phases(container):  # type: ignore[no-untyped-def]
    for r in await container.log.read("consultation.events", limit=1000):
        if r.event.type == "consultation.PhasesScheduled":
            yield r.event
