"""Territories by their names in the back office (issue #18 item 6): the
analysts' search facets show « Rhône (69) », « Auvergne-Rhône-Alpes » and the
phase's title rather than raw codes, and an organiser picks a consultation's
territories from a list of names instead of typing codes."""

from __future__ import annotations

import re

from harness.consultations import open_consultation
from harness.forms import csrf_header, csrf_of
from harness.platform import ADMIN_PASSWORD, SYSTEM, Platform, participant, session_client, until

from services.identity.commands import GrantRole

BASE = "/admin/analyse/c1"


async def test_search_facets_show_territory_and_phase_names(platform: Platform) -> None:
    p = platform
    await open_consultation(p, "c1", level="email", moderation="post")
    author, ana = await participant(p, "Auteur"), await participant(p, "Ana")
    await p.container.handle(GrantRole(ana, "c1", "analyst"), SYSTEM)
    async with session_client(p, author) as client:
        for n, territory in enumerate(("69", "R84", "2A")):
            r = await client.post("/api/consultations/c1/proposals",
                                  headers={**await csrf_header(client),
                                           "Idempotency-Key": f"k{n}"},
                                  json={"title": f"Idée {n}", "body": "Des arbres en ville.",
                                        "territory": territory})
            assert r.status_code == 201, r.text

    async def indexed() -> bool:
        r = await p.client().get("/api/search", params={"consultation_id": "c1"})
        return r.status_code == 200 and r.json()["total"] == 3
    await until(indexed, timeout=10)
    async with session_client(p, ana) as client:
        html = (await client.get(BASE)).text
    shown = re.findall(r'<label class="fr-label" for="f-(?:departement|region|phase_id)-\d+">'
                       r"([^<]*)</label>", html)
    assert "Rhône (69) (1)" in shown and "Corse-du-Sud (2A) (1)" in shown, shown
    assert "Auvergne-Rhône-Alpes (2)" in shown and "Corse (1)" in shown, shown
    assert "Dépôt (3)" in shown, shown
    assert not any(re.fullmatch(r"[0-9AB]{2,3} \(\d+\)", s) for s in shown), shown
    assert 'name="f.departement" value="69"' in html  # the filter still sends the code


async def test_consultation_territories_are_picked_by_name(platform: Platform) -> None:
    client = platform.client()
    page = await client.get("/admin/connexion")
    r = await client.post("/admin/connexion", data={
        "csrf_token": csrf_of(page.text), "utilisateur": "orga",
        "mot_de_passe": ADMIN_PASSWORD, "suite": "/admin"})
    assert r.status_code == 303
    form = await client.get("/admin/consultations/nouvelle")
    assert 'name="territories" multiple' in form.text
    assert '<option value="69">Rhône (69)</option>' in form.text
    assert '<option value="R84">Auvergne-Rhône-Alpes</option>' in form.text
    assert "Codes séparés par des virgules" not in form.text
    fields = {"csrf_token": csrf_of(form.text), "title": "Les berges", "slug": "berges",
              "identity_level": "anonymous", "moderation": "post"}
    bad = await client.post("/admin/consultations/nouvelle",
                            data={**fields, "slug": "", "territories": ["69", "R84"]})
    assert bad.status_code == 400  # shown again with the picked ones still selected
    assert '<option value="69" selected>Rhône (69)</option>' in bad.text
    assert '<option value="R84" selected>Auvergne-Rhône-Alpes</option>' in bad.text
    made = await client.post("/admin/consultations/nouvelle",
                             data={**fields, "territories": ["69", "R84"]})
    assert made.status_code == 303, made.text[-1500:]
    edit = await client.get(made.headers["location"])
    assert '<option value="69" selected>Rhône (69)</option>' in edit.text
    assert '<option value="R84" selected>Auvergne-Rhône-Alpes</option>' in edit.text
    assert '<option value="75">Paris (75)</option>' in edit.text
