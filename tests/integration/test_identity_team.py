"""The team page grants a role to a registered participant named by pseudonym
(the vault indexes pseudonyms by keyed hash, never in clear)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from test_identity_pow import consultation
from test_identity_privacy import session_client
from test_identity_web import Platform, csrf_of, open_platform, sign_up


@pytest.fixture
async def platform(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Platform]:
    async with open_platform(tmp_path, monkeypatch) as p:
        yield p


async def test_admin_grants_a_role_by_pseudonym(platform: Platform) -> None:
    cid = await consultation(platform)
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
    cid = await consultation(platform)
    async with session_client(platform, "orga", kind="admin") as admin:
        page = await admin.get(f"/admin/equipe/{cid}")
        r = await admin.post(f"/admin/equipe/{cid}", data={
            "csrf_token": csrf_of(page.text), "pseudonym": "Personne", "role": "moderator"})
        assert r.status_code == 400
        assert "Aucun participant n&#39;a ce pseudonyme" in r.text or \
            "Aucun participant n'a ce pseudonyme" in r.text
