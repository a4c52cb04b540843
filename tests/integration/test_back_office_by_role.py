"""`/admin` for everyone with a role (issue #18 item 4): a moderator, an analyst and
an organiser each reach, by links only from `/admin`, every page their role
allows; nobody gets a link that answers 403, and someone without a role is told
so instead of refused."""

from __future__ import annotations

import re

import httpx
from harness.consultations import open_consultation
from harness.platform import SYSTEM, Platform, session_client, until

from services.identity.commands import GrantRole, RegisterParticipant
from services.identity.model import new_participant_id
from services.identity.queries import roles_in

ROLES = {"Modeste": "moderator", "Ana": "analyst", "Orla": "organiser", "Sam": ""}
EXPECTED = {
    "moderator": {"/admin/moderation/c1"},
    "analyst": {"/admin/analyse/c1"},
    "organiser": {"/admin/consultations/c1", "/admin/moderation/c1/charte",
                  "/admin/analyse/c1", "/admin/consultations/c1/suites",
                  "/admin/consultations/c1/budget",
                  "/admin/donnees-ouvertes/c1", "/admin/equipe/c1"},
}


async def people(p: Platform) -> dict[str, str]:
    await open_consultation(p, "c1", level="email", moderation="post")
    ids = {}
    for name, role in ROLES.items():
        ids[name] = new_participant_id()
        await p.container.handle(RegisterParticipant(
            ids[name], f"{name.lower()}@exemple.fr", name), SYSTEM)
        if role:
            await p.container.handle(GrantRole(ids[name], "c1", role), SYSTEM)

    async def granted() -> bool:
        held = [(role, await roles_in(p.container.store, ids[name], "c1"))
                for name, role in ROLES.items() if role]
        return all(role in roles for role, roles in held)
    await until(granted)
    return ids


def links(page: httpx.Response) -> set[str]:
    return set(re.findall(r'href="(/admin/[^"#?]+)"', page.text))


async def test_each_role_reaches_its_pages_from_admin_by_links_only(platform: Platform) -> None:
    ids = await people(platform)
    for name, role in ROLES.items():
        async with session_client(platform, ids[name]) as client:
            home = await client.get("/admin")
            assert home.status_code == 200, (name, home.status_code)
            found = links(home)
            if not role:
                assert not found and "aucun rôle" in home.text
                continue
            assert EXPECTED[role] <= found, (name, found)
            for href in sorted(found - {"/admin", "/admin/deconnexion"}):
                page = await client.get(href)
                assert page.status_code == 200, (name, href, page.status_code)
