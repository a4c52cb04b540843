"""Back office: a commission renamed, redescribed and removed, through HTTP (ADR
0140). The edit form is reached from the commission list and prefilled; its
errors are in French next to the field, nothing saved; « Supprimer » asks on a
page without JavaScript; every POST needs the form's CSRF token; the public
pages follow (a removed commission's page answers 404)."""

from __future__ import annotations

import html
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from harness.forms import post_form
from harness.web import catch_up, login, make_container, make_deps, new_consultation

from services.consultation.commands import PublishConsultation
from services.consultation.content_commands import ScheduleMeeting
from services.core.envelope import Actor
from services.core.events import Meta
from services.runtime.bootstrap import Container
from services.web.app import create_web_app

Env = tuple[httpx.AsyncClient, httpx.AsyncClient, Container, str]


@pytest.fixture
async def env() -> AsyncIterator[Env]:
    """The organiser's client, an anonymous visitor's, the container, and the
    admin URL of a published consultation (slug « mobilites »)."""
    container = make_container()
    async with container:
        transport = httpx.ASGITransport(app=create_web_app(make_deps(container)))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as orga, \
                httpx.AsyncClient(transport=transport, base_url="http://testserver") as public:
            await login(orga)
            admin = await new_consultation(orga)
            await container.handle(PublishConsultation(admin.rsplit("/", 1)[1]),
                                   Meta(actor=Actor(id="orga", role="organiser")))
            yield orga, public, container, admin


async def commission(client: httpx.AsyncClient, container: Container, admin: str,
                     name: str, members: str = "") -> dict[str, Any]:
    r = await post_form(client, f"{admin}/commissions", f"{admin}/commissions",
                        {"name": name, "description": "Suivi de la consultation.",
                         "members": members})
    assert r.status_code == 303, r.text
    cid = admin.rsplit("/", 1)[1]
    rows = await container.store.list("commissions", cid, limit=10)
    return next(doc for _, doc in rows if doc["name"] == name)


async def test_a_commission_is_renamed_from_the_list(env: Env) -> None:
    orga, public, container, admin = env
    cid = admin.rsplit("/", 1)[1]
    k = await commission(orga, container, admin, "Commission vélo", "Anne Dupont — présidente")
    edit = f"{admin}/commissions/{k['commission_id']}/modification"
    listing = (await orga.get(f"{admin}/commissions")).text
    assert f'href="{edit}"' in listing and "Modifier « Commission vélo »" in listing
    form = await orga.get(edit)
    assert form.status_code == 200
    assert 'value="Commission vélo"' in form.text and "Suivi de la consultation." in form.text
    r = await post_form(orga, edit, edit, {"name": "Commission mobilités douces",
                                          "description": "Élus et associations."})
    assert r.status_code == 303 and r.headers["location"] == f"{admin}/commissions"
    doc = await container.store.get("commissions", cid, k["commission_id"])
    assert doc is not None
    assert (doc["name"], doc["description"]) == ("Commission mobilités douces",
                                                 "Élus et associations.")
    assert [m["display_name"] for m in doc["members"]] == ["Anne Dupont"]
    page = await public.get(f"/consultations/mobilites/commissions/{k['commission_id']}")
    assert page.status_code == 200 and "Commission mobilités douces" in page.text
    assert "Commission mobilités douces" in (await public.get("/consultations/mobilites")).text


async def test_bad_names_are_refused_in_french_next_to_the_field(env: Env) -> None:
    orga, _, container, admin = env
    cid = admin.rsplit("/", 1)[1]
    await commission(orga, container, admin, "Commission parcs")
    k = await commission(orga, container, admin, "Commission vélo")
    edit = f"{admin}/commissions/{k['commission_id']}/modification"
    for name, message in (("", "Le nom est obligatoire."),
                          ("  commission  PARCS ", "Une autre commission de cette "
                           "consultation s'appelle déjà « Commission parcs »."),
                          ("x" * 201, "Le nom ne peut dépasser 200 caractères")):
        r = await post_form(orga, edit, edit, {"name": name, "description": "Changée"})
        assert r.status_code == 400, (name, r.status_code)
        assert 'id="f-name-err"' in r.text and message in html.unescape(r.text), name
        assert "Changée" in r.text  # the form as typed
    doc = await container.store.get("commissions", cid, k["commission_id"])
    assert doc is not None and doc["name"] == "Commission vélo"
    assert doc["description"] == "Suivi de la consultation."
    # its own name, in other letters, is no other commission's
    r = await post_form(orga, edit, edit, {"name": "Commission Vélo", "description": ""})
    assert r.status_code == 303


async def test_a_new_commission_may_not_take_a_name_already_used(env: Env) -> None:
    orga, _, container, admin = env
    cid = admin.rsplit("/", 1)[1]
    await commission(orga, container, admin, "Commission vélo")
    r = await post_form(orga, f"{admin}/commissions", f"{admin}/commissions",
                        {"name": "Commission vélo", "members": "Anne — présidente"})
    assert r.status_code == 400 and 'id="f-name-err"' in r.text
    assert "s'appelle déjà « Commission vélo »" in html.unescape(r.text)
    assert len(await container.store.list("commissions", cid, limit=10)) == 1


async def test_a_commission_is_removed_after_a_confirmation_without_javascript(
        env: Env) -> None:
    orga, public, container, admin = env
    cid = admin.rsplit("/", 1)[1]
    k = await commission(orga, container, admin, "Commission vélo", "Anne Dupont — présidente")
    page = f"{admin}/commissions/{k['commission_id']}"
    r = await post_form(orga, page, f"{page}/rapports/nouveau",
                        {"title": "Rapport d'étape", "body_markdown": "Texte"})
    assert r.status_code == 303
    report_id = (await container.store.get("commissions", cid, k["commission_id"]))[
        "reports"][0]["report_id"]
    removal = f"{page}/suppression"
    listing = (await orga.get(f"{admin}/commissions")).text
    # without JavaScript the list's button GETs the confirmation page
    assert f'action="{removal}"' in listing and "Supprimer « Commission vélo »" in listing
    confirm = await orga.get(removal)
    assert confirm.status_code == 200
    text = html.unescape(confirm.text)
    assert "Supprimer « Commission vélo » ?" in text and "1 membre" in text
    assert "1 rapport" in text and f'action="{removal}"' in confirm.text
    r = await post_form(orga, removal, removal, {})
    assert r.status_code == 303 and r.headers["location"] == f"{admin}/commissions"
    assert await container.store.get("commissions", cid, k["commission_id"]) is None
    assert "Commission vélo" not in (await orga.get(f"{admin}/commissions")).text
    for gone in (page, f"{page}/rapports/{report_id}", f"{page}/modification", removal):
        assert (await orga.get(gone)).status_code == 404, gone
    public_page = f"/consultations/mobilites/commissions/{k['commission_id']}"
    assert (await public.get(public_page)).status_code == 404
    assert "Commission vélo" not in (await public.get("/consultations/mobilites/commissions")).text
    assert "Commission vélo" not in (await public.get("/consultations/mobilites")).text


async def test_the_confirmation_names_the_meetings_that_stay(env: Env) -> None:
    orga, _, container, admin = env
    cid = admin.rsplit("/", 1)[1]
    k = await commission(orga, container, admin, "Commission vélo")
    start = datetime(2030, 3, 1, 17, tzinfo=UTC)
    await container.handle(ScheduleMeeting(
        "reu-1", cid, "Atelier des carrefours", start, start.replace(hour=19),
        address="1 place de la Comédie", postcode="69001", commission_id=k["commission_id"]),
        Meta(actor=Actor(id="orga", role="organiser")))
    await catch_up(container)
    removal = f"{admin}/commissions/{k['commission_id']}/suppression"
    text = html.unescape((await orga.get(removal)).text)
    assert "« Atelier des carrefours »" in text and "conservée" in text
    assert (await post_form(orga, removal, removal, {})).status_code == 303
    meeting = await container.store.get("meetings", "all", "reu-1")
    assert meeting is not None and meeting["commission_id"] is None


async def test_every_post_needs_the_form_s_token(env: Env) -> None:
    orga, _, container, admin = env
    cid = admin.rsplit("/", 1)[1]
    k = await commission(orga, container, admin, "Commission vélo")
    base = f"{admin}/commissions/{k['commission_id']}"
    for action, data in ((f"{base}/modification", {"name": "Prise", "description": ""}),
                         (f"{base}/suppression", {})):
        r = await orga.post(action, data=data)
        assert r.status_code == 403, action
        r = await orga.post(action, data={**data, "csrf_token": "faux"})
        assert r.status_code == 403, action
    doc = await container.store.get("commissions", cid, k["commission_id"])
    assert doc is not None and doc["name"] == "Commission vélo"
