"""The team page grants a role to a registered participant named by pseudonym
(the vault indexes pseudonyms by keyed hash, never in clear)."""

from __future__ import annotations

import re

import pytest
from harness.consultations import draft_consultation
from harness.forms import csrf_of, sign_up
from harness.platform import Platform, granted, participant, session_client

from services.identity.queries import roles_in
from services.web.backoffice import team as team_pages


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


async def test_every_member_is_listed_a_page_at_a_time(
        platform: Platform, monkeypatch: pytest.MonkeyPatch) -> None:
    """The team page listed its first 200 role holders: a restricted consultation's
    invited participants are thousands, and the others could not be seen nor have
    a role taken back there."""
    monkeypatch.setattr(team_pages, "TEAM_PAGE", 2, raising=False)
    cid = await draft_consultation(platform)
    people = [await participant(platform, name) for name in ("Ana", "Bruno", "Chloe")]
    for who in people:
        await granted(platform, who, cid, "moderator")
    async with session_client(platform, "orga", kind="admin") as admin:
        first = (await admin.get(f"/admin/equipe/{cid}")).text
        [after] = re.findall(rf'href="(/admin/equipe/{cid}\?apres=[^"]+)"', first)
        second = (await admin.get(after)).text
        assert "Premiers membres" in second and "Membres suivants" not in second
    listed = [re.findall(r'name="participant_id" value="([^"]+)"', page)
              for page in (first, second)]
    assert [len(ids) for ids in listed] == [2, 1]
    assert sorted(listed[0] + listed[1]) == sorted(people)


async def test_only_the_platform_admin_grants_or_withdraws_administration(
        platform: Platform) -> None:
    """An organiser could withdraw a member's « Administration » role (303, removed),
    and the role list offered it to them though granting it was refused."""
    cid = await draft_consultation(platform)
    orla, adam = [await participant(platform, name) for name in ("Orla", "Adam")]
    await granted(platform, orla, cid, "organiser")
    await granted(platform, adam, cid, "admin")
    async with session_client(platform, orla) as organiser:
        page = await organiser.get(f"/admin/equipe/{cid}")
        assert page.status_code == 200, page.text
        assert '<option value="admin"' not in page.text
        assert f'value="{adam}"' not in page.text  # no « Retirer » for his only role
        r = await organiser.post(f"/admin/equipe/{cid}/retrait", data={
            "csrf_token": csrf_of(page.text), "participant_id": adam, "role": "admin"})
        assert r.status_code == 400
        assert "Seule l&#39;administration de la plateforme" in r.text
        r = await organiser.post(f"/admin/equipe/{cid}", data={
            "csrf_token": csrf_of(page.text), "pseudonym": "Adam", "role": "admin"})
        assert r.status_code == 400
    assert "admin" in await roles_in(platform.container.store, adam, cid)
    async with session_client(platform, "orga", kind="admin") as admin:
        page = await admin.get(f"/admin/equipe/{cid}")
        assert '<option value="admin"' in page.text
        r = await admin.post(f"/admin/equipe/{cid}/retrait", data={
            "csrf_token": csrf_of(page.text), "participant_id": adam, "role": "admin"})
        assert r.status_code == 303, r.text
    assert "admin" not in await roles_in(platform.container.store, adam, cid)
