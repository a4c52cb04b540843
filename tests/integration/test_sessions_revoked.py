"""Sessions end server-side (issue #19 item 4, ADR 0041): a session cookie kept
from before a logout, an erasure (« Effacer mon compte ») or a role withdrawn
opens nothing any more; magic links live 10 minutes, once, and a new one
revokes the one sent before."""

from __future__ import annotations

from datetime import timedelta

import httpx
from harness.consultations import draft_consultation
from harness.forms import csrf_header, csrf_of, follow_link, last_link, post_form, sign_up
from harness.platform import ADMIN_PASSWORD, Platform, session_client, until

from services.identity.queries import Capability, may
from services.web.deps import web_of_app


async def signed_up(p: Platform, email: str, pseudonym: str) -> httpx.AsyncClient:
    """A browser logged in by magic link (e-mail level)."""
    client = p.client()
    assert (await sign_up(p, client, email, pseudonym)).status_code == 200
    r = await follow_link(client, await last_link(p))
    assert r.status_code == 303, r.text
    return client


def copy_of(p: Platform, client: httpx.AsyncClient) -> httpx.AsyncClient:
    """Another client holding the same session cookie (a stolen or kept copy)."""
    web = web_of_app(p.app)
    thief = p.client()
    thief.cookies.set(web.sessions.cookie, client.cookies[web.sessions.cookie],
                      domain="parlons.test")
    return thief


async def logged_in(client: httpx.AsyncClient) -> bool:
    return (await client.get("/api/session")).json()["participant_id"] is not None


async def test_logout_ends_the_session_for_every_copy_of_the_cookie(platform: Platform) -> None:
    alice = await signed_up(platform, "alice@exemple.fr", "Alice")
    kept = copy_of(platform, alice)
    assert await logged_in(kept)
    r = await post_form(alice, "/compte", "/deconnexion")
    assert r.status_code == 303
    account = await kept.get("/compte")
    assert account.status_code == 303 and account.headers["location"] == "/connexion"
    # the browser is told to forget it
    assert "parlons_session=" in account.headers.get("set-cookie", "")
    assert not await logged_in(kept)
    # logging in again works: only the sessions opened before are over
    again = await signed_up_again(platform, "alice@exemple.fr")
    assert await logged_in(again)


async def signed_up_again(p: Platform, email: str) -> httpx.AsyncClient:
    client = p.client()
    p.clock.advance(timedelta(seconds=1))  # the outbox lists the newest mail first
    assert (await post_form(client, "/connexion", "/connexion", {"email": email})
            ).status_code == 200
    assert (await follow_link(client, await last_link(p))).status_code == 303
    return client


async def test_after_erasure_the_old_cookie_neither_deposits_nor_moderates(
        platform: Platform) -> None:
    cid = await draft_consultation(platform)
    bruno = await signed_up(platform, "bruno@exemple.fr", "Bruno")
    pid = (await bruno.get("/api/session")).json()["participant_id"]
    await grant(platform, cid, "Bruno", "moderator")
    await until(lambda: may(platform.container.store, pid, cid, Capability.MODERATE))
    kept = copy_of(platform, bruno)
    assert (await kept.get(f"/admin/moderation/{cid}")).status_code == 200

    r = await post_form(bruno, "/compte", "/compte/effacement", {"confirmation": "oui"})
    assert r.status_code == 200, r.text

    assert not await logged_in(kept)
    queue = await kept.get(f"/admin/moderation/{cid}")
    assert queue.status_code == 303 and "/admin/connexion" in queue.headers["location"]
    deposit = await kept.post(f"/api/consultations/{cid}/proposals",
                              json={"title": "Encore moi", "body": "Après effacement."},
                              headers={**await csrf_header(kept), "Idempotency-Key": "k1"})
    assert deposit.status_code == 401, deposit.text


async def grant(p: Platform, cid: str, pseudonym: str, role: str) -> None:
    async with session_client(p, "orga", kind="admin") as admin:
        page = await admin.get(f"/admin/equipe/{cid}")
        r = await admin.post(f"/admin/equipe/{cid}", data={
            "csrf_token": csrf_of(page.text), "pseudonym": pseudonym, "role": role})
        assert r.status_code == 303, r.text


async def test_a_withdrawn_role_ends_the_sessions_opened_with_it(platform: Platform) -> None:
    cid = await draft_consultation(platform)
    chloe = await signed_up(platform, "chloe@exemple.fr", "Chloe")
    pid = (await chloe.get("/api/session")).json()["participant_id"]
    await grant(platform, cid, "Chloe", "organiser")
    await until(lambda: may(platform.container.store, pid, cid, Capability.MANAGE))
    assert (await chloe.get(f"/admin/consultations/{cid}")).status_code == 200
    async with session_client(platform, "orga", kind="admin") as admin:
        page = await admin.get(f"/admin/equipe/{cid}")
        r = await admin.post(f"/admin/equipe/{cid}/retrait", data={
            "csrf_token": csrf_of(page.text), "participant_id": pid, "role": "organiser"})
        assert r.status_code == 303, r.text
    await until(lambda: _not(may(platform.container.store, pid, cid, Capability.MANAGE)))
    assert not await logged_in(chloe)
    r = await chloe.get(f"/admin/consultations/{cid}")
    assert r.status_code == 303 and "/admin/connexion" in r.headers["location"]


async def _not(check: object) -> bool:
    return not await check  # type: ignore[misc]


async def test_the_admin_logout_ends_the_admin_session_everywhere(platform: Platform) -> None:
    admin = platform.client()
    r = await post_form(admin, "/admin/connexion", "/admin/connexion",
                        {"utilisateur": "orga", "mot_de_passe": ADMIN_PASSWORD, "suite": "/admin"})
    assert r.status_code == 303
    kept = copy_of(platform, admin)
    assert (await kept.get("/admin")).status_code == 200
    assert (await post_form(admin, "/admin", "/admin/deconnexion")).status_code == 303
    r = await kept.get("/admin")
    assert r.status_code == 303 and "/admin/connexion" in r.headers["location"]


async def test_a_new_magic_link_revokes_the_previous_one(platform: Platform) -> None:
    client = platform.client()
    await sign_up(platform, client, "denis@exemple.fr", "Denis")
    first = await last_link(platform)
    platform.clock.advance(timedelta(seconds=1))  # the outbox lists the newest mail first
    await post_form(client, "/connexion", "/connexion", {"email": "denis@exemple.fr"})
    second = await last_link(platform)
    assert first != second
    old = await follow_link(platform.client(), first)
    assert old.status_code == 400 and "plus récent" in old.text
    assert (await follow_link(platform.client(), second)).status_code == 303


async def test_a_magic_link_lives_10_minutes(platform: Platform) -> None:
    client = platform.client()
    await sign_up(platform, client, "eve@exemple.fr", "Eve")
    token = await last_link(platform)
    platform.clock.advance(timedelta(minutes=10, seconds=1))
    expired = await follow_link(client, token)
    assert expired.status_code == 400 and "10 minutes" in expired.text
