"""The session behind the participation APIs (embedded platform on SQLite): a
logged-in participant deposits, a visitor without a session gets 401 in French,
an anonymous session deposits only where the consultation allows it, JSON state
changes need the CSRF header, moderation needs the moderator role on the item's
consultation."""

from __future__ import annotations

import re

import httpx
from harness.consultations import open_consultation, propose
from harness.forms import csrf_header, csrf_of
from harness.platform import SYSTEM, Platform, participant, session_client, submitted, until

from services.identity.commands import GrantRole
from services.identity.queries import roles_in


async def test_a_logged_in_participant_deposits_through_the_api(platform: Platform) -> None:
    p = platform
    await open_consultation(p, "velo", level="email")
    anne = await participant(p, "Anne")
    async with session_client(p, anne) as client:
        r = await propose(client, "velo", "k1", await csrf_header(client))
        assert r.status_code == 201, r.text
        created = r.json()["id"]
        events = await submitted(p.container)
        assert [e.data["author_id"] for e in events] == [anne]
        assert events[0].data["contribution_id"] == created

        async def mine() -> bool:
            return bool((await client.get("/api/me/contributions")).json()["items"])
        await until(mine)


async def test_json_state_changes_need_the_csrf_header_and_a_same_site_origin(
        platform: Platform) -> None:
    p = platform
    await open_consultation(p, "velo", level="email")
    anne = await participant(p, "Anne")
    async with session_client(p, anne) as client:
        headers = await csrf_header(client)
        missing = await propose(client, "velo", "k1")
        assert missing.status_code == 403 and "jeton" in missing.json()["message"]
        forged = await propose(client, "velo", "k2", {"X-CSRF-Token": "forged.token"})
        assert forged.status_code == 403
        elsewhere = await propose(client, "velo", "k3",
                                  {**headers, "Origin": "https://malveillant.example"})
        assert elsewhere.status_code == 403
        same = await propose(client, "velo", "k4", {**headers, "Origin": "https://parlons.test"})
        assert same.status_code == 201, same.text
    assert len(await submitted(p.container)) == 1


async def test_a_visitor_without_a_session_gets_401_in_french(platform: Platform) -> None:
    p = platform
    await open_consultation(p, "velo", level="anonymous")
    async with session_client(p, None) as client:
        for method, path in [("POST", "/api/consultations/velo/proposals"),
                             ("POST", "/api/contributions/x/arguments"),
                             ("POST", "/api/items/x/ballot"),
                             ("POST", "/api/consultations/velo/ranking"),
                             ("GET", "/api/me/contributions"), ("GET", "/api/me/ballots")]:
            r = await client.request(method, path, headers={"Idempotency-Key": f"k-{path}"},
                                     json={})
            assert r.status_code == 401, (path, r.status_code, r.text)
            assert "Connectez-vous" in r.json()["message"]
    assert await submitted(p.container) == []


async def become_anonymous(client: httpx.AsyncClient, cid: str) -> None:
    page = await client.get(f"/participer/anonyme?consultation={cid}")
    r = await client.post("/participer/anonyme", data={"csrf_token": csrf_of(page.text),
                                                        "consultation": cid, "suite": "/"})
    assert r.status_code == 303, r.text


async def test_an_anonymous_session_deposits_only_where_anonymous_participation_is_allowed(
        platform: Platform) -> None:
    p = platform
    await open_consultation(p, "ouverte", level="anonymous")
    await open_consultation(p, "exigeante", level="email")
    async with session_client(p, None) as client:
        await become_anonymous(client, "ouverte")
        headers = await csrf_header(client)
        ok = await propose(client, "ouverte", "k1", headers)
        assert ok.status_code == 201, ok.text
        refused = await propose(client, "exigeante", "k2", headers)
        assert refused.status_code == 422
        assert refused.json()["error"] == "identity_level_too_low"
        assert "adresse électronique" in refused.json()["message"]
    events = await submitted(p.container)
    assert [e.consultation_id for e in events] == ["ouverte"]


async def test_moderation_api_needs_the_moderator_role_on_the_items_consultation(
        platform: Platform) -> None:
    p = platform
    await open_consultation(p, "c1", level="anonymous", moderation="pre")
    await open_consultation(p, "c2", level="anonymous", moderation="pre")
    author, modo = await participant(p, "Auteur"), await participant(p, "Modo")
    await p.container.handle(GrantRole(modo, "c1", "moderator"), SYSTEM)
    async with session_client(p, author) as client:
        r = await propose(client, "c1", "k1", await csrf_header(client))
        item = r.json()["id"]

    async def ready() -> bool:
        return "moderator" in await roles_in(p.container.store, modo, "c1") and \
            await p.container.store.get("moderation_items", "all", item) is not None
    await until(ready)
    async with session_client(p, modo) as client:
        headers = await csrf_header(client)
        assert (await client.get("/api/moderation/consultations/c1/queue")).status_code == 200
        assert (await client.get(f"/api/moderation/items/{item}")).status_code == 200
        assert (await client.get("/api/moderation/consultations/c2/queue")).status_code == 403
        claim = await client.post(f"/api/moderation/items/{item}/claim", headers=headers)
        assert claim.status_code == 204, claim.text
        no_token = await client.post(f"/api/moderation/items/{item}/claim")
        assert no_token.status_code == 403
        other = await client.post(f"/api/moderation/campaigns/{item}/decision", headers=headers,
                                  json={"decision": "approved", "consultation_id": "c2"})
        assert other.status_code == 403  # the body names a consultation they do not moderate
    async with session_client(p, author) as client:
        r = await client.get(f"/api/moderation/items/{item}")
        assert r.status_code == 403 and "modérateurs" in r.json()["message"]


async def test_every_moderation_and_vote_admin_api_route_with_each_role(
        platform: Platform) -> None:
    """Walks every /api/moderation and /api/admin route (found from the app)
    about an item of c1, with each role: only c1's moderators and admins, and the
    platform admin, pass the moderation routes; the vote admin routes take their
    bearer token, never a session."""
    from services.web.backoffice.guard import all_routes

    p = platform
    await open_consultation(p, "c1", level="anonymous", moderation="pre")
    await open_consultation(p, "c2", level="anonymous")
    people = {n: await participant(p, n) for n in
              ("Simple", "Modo", "Orga", "Etudes", "Gerante", "ModoAilleurs")}
    for name, cid, role in (("Simple", "c1", "participant"), ("Modo", "c1", "moderator"),
                            ("Orga", "c1", "organiser"), ("Etudes", "c1", "analyst"),
                            ("Gerante", "c1", "admin"), ("ModoAilleurs", "c2", "moderator")):
        await p.container.handle(GrantRole(people[name], cid, role), SYSTEM)
    async with session_client(p, people["Simple"]) as client:
        item = (await propose(client, "c1", "k1", await csrf_header(client))).json()["id"]

    async def ready() -> bool:
        return "moderator" in await roles_in(p.container.store, people["ModoAilleurs"],
                                             "c2") and \
            await p.container.store.get("moderation_items", "all", item) is not None
    await until(ready)
    routes = [r for r in all_routes(p.app.routes)  # type: ignore[attr-defined]
              if r.path.startswith(("/api/moderation/", "/api/admin/"))]
    assert {"/api/moderation/items/{contribution_id}/decision",
            "/api/admin/vote/recount"} <= {r.path for r in routes}
    failures = []
    for who in ("anonymous", "Simple", "Orga", "Etudes", "ModoAilleurs", "Modo", "Gerante",
                "admin"):
        client = session_client(p, None if who == "anonymous" else
                                "orga" if who == "admin" else people[who],
                                kind="admin" if who == "admin" else "participant")
        async with client:
            headers = await csrf_header(client)
            for route in routes:
                path = route.path.replace("{consultation_id}", "c1")
                path = re.sub(r"\{[a-z_]+\}", item, path)
                for method in sorted(route.methods - {"HEAD"}):
                    r = await client.request(method, path, json={} if method == "POST" else None,
                                             headers={**headers, "Idempotency-Key":
                                                      f"{who}-{method}-{route.path}"})
                    if who == "anonymous":
                        expected: set[int] | None = {401, 403}
                    elif route.path.startswith("/api/admin/"):
                        expected = {403}
                    elif who in ("Modo", "Gerante", "admin"):
                        expected = None  # anything but a refusal
                    else:
                        expected = {403}
                    ok = (r.status_code not in (401, 403)) if expected is None \
                        else r.status_code in expected
                    if not ok:
                        failures.append(f"{who} {method} {route.path} -> {r.status_code} "
                                        f"{r.text[:150]}")
    assert not failures, "\n".join(failures)
