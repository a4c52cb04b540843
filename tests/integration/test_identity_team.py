"""The team page grants a role to a registered participant named by pseudonym
(the vault indexes pseudonyms by keyed hash, never in clear)."""

from __future__ import annotations

from harness.consultations import draft_consultation
from harness.forms import csrf_of, sign_up
from harness.platform import Platform, session_client


async def test_admin_grants_a_role_by_pseudonym(platform: Platform) -> None:
    cid = await draft_consultation(platform)
    r = await sign_up(platform, platform.client(), "modo@exemple.fr", "Modo69", "69001")
    assert r.status_code in (200, 303), r.text
    async with session_client(platform, "orga", kind="admin") as admin:
        page = await admin.get(f"/admin/equipe/{cid}")
        r = await admin.post(f"/admin/equipe/{cid}", data={
            "csrf_token": csrf_of(page.text), "pseudonym": "Modo69", "role": "moderator"})
        assert r.status_code == 303, r.text
        page = await admin.get(f"/admin/equipe/{cid}")
        assert "Modo69" in page.text


async def test_an_unknown_pseudonym_gets_a_french_error(platform: Platform) -> None:
    cid = await draft_consultation(platform)
    async with session_client(platform, "orga", kind="admin") as admin:
        page = await admin.get(f"/admin/equipe/{cid}")
        r = await admin.post(f"/admin/equipe/{cid}", data={
            "csrf_token": csrf_of(page.text), "pseudonym": "Personne", "role": "moderator"})
        assert r.status_code == 400
        assert "Aucun participant n&#39;a ce pseudonyme" in r.text or \
            "Aucun participant n'a ce pseudonyme" in r.text
