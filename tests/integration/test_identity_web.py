"""Identity over HTTP on the embedded platform (SQLite log, store and vault):
magic links, CSRF, rate limits, the back-office route walk with every role,
private data, erasure leaving no trace in any file, no e-mail or IP in events
and logs."""

from __future__ import annotations

from datetime import timedelta

import pytest
from harness.forms import follow_link, last_link, post_form, sign_up
from harness.platform import Platform


async def test_magic_link_works_once_and_fails_when_reused(platform: Platform) -> None:
    client = platform.client()
    r = await sign_up(platform, client, "aline@exemple.fr", "Aline", "69001")
    assert r.status_code == 200 and "Vérifiez votre messagerie" in r.text
    token = await last_link(platform)
    r = await follow_link(client, token)
    assert r.status_code == 303 and r.headers["location"] == "/compte"
    cookie = r.headers["set-cookie"].lower()
    assert cookie.startswith("__host-parlons_session=")
    assert "; secure" in cookie and "; httponly" in cookie and "samesite=lax" in cookie
    assert "; path=/" in cookie and "domain=" not in cookie  # what __Host- demands
    account = await client.get("/compte")
    assert "Aline" in account.text and "adresse électronique vérifiée" in account.text
    again = await follow_link(platform.client(), token)
    assert again.status_code == 400 and "déjà servi" in again.text


async def test_expired_and_forged_links_are_refused_in_french(platform: Platform) -> None:
    client = platform.client()
    await sign_up(platform, client, "bruno@exemple.fr", "Bruno")
    token = await last_link(platform)
    forged = await follow_link(client, token[:-3] + "abc")
    assert forged.status_code == 400 and "pas valide" in forged.text
    platform.clock.advance(timedelta(minutes=16))
    expired = await follow_link(client, token)
    assert expired.status_code == 400 and "expiré" in expired.text
    assert "set-cookie" not in expired.headers or "session" not in expired.headers["set-cookie"]


@pytest.mark.parametrize(("fields", "message"), [
    ({"email": "pas-une-adresse"}, "n&#39;est pas valide"),
    ({"pseudonym": "Connard"}, "pas accepté"),
    ({"postcode": "99999"}, "inconnu"),
])
async def test_bad_input_gets_a_french_message_and_stores_nothing(
        platform: Platform, fields: dict[str, str], message: str) -> None:
    values = {"email": "chloe@exemple.fr", "pseudonym": "Chloe", **fields}
    r = await sign_up(platform, platform.client(), values["email"], values["pseudonym"],
                      values.get("postcode", ""))
    assert r.status_code == 400 and message in r.text
    assert await platform.container.log.read("identity.events") == []


async def test_taken_pseudonym_is_refused(platform: Platform) -> None:
    await sign_up(platform, platform.client(), "d1@exemple.fr", "Dominique")
    r = await sign_up(platform, platform.client(), "d2@exemple.fr", "dominique")
    assert r.status_code == 400 and "déjà pris" in r.text


async def test_one_s_own_address_and_pseudonym_again_is_told_the_way_in(
        platform: Platform) -> None:
    """Someone who forgot their account types their address and pseudonym again:
    « déjà pris » was a dead end; the message now points to « Se connecter ». The
    same words as for anyone else's pseudonym (the pair is never confirmed: that
    would tell an address's pseudonym to whoever tries pseudonyms with it)."""
    await sign_up(platform, platform.client(), "e1@exemple.fr", "Eloise")
    own = await sign_up(platform, platform.client(), "e1@exemple.fr", "Eloise")
    other = await sign_up(platform, platform.client(), "e2@exemple.fr", "Eloise")
    for r in (own, other):
        assert r.status_code == 400 and "utilisez « Se connecter »" in r.text
    assert _error_of(own.text) == _error_of(other.text)


def _error_of(page: str) -> str:
    return page.split('id="f-pseudonym-err"')[1].split("</p>")[0]


async def test_form_posts_without_csrf_token_get_403(platform: Platform) -> None:
    client = platform.client()
    await client.get("/connexion")  # a browser id cookie, but no token in the post
    for path in ["/inscription", "/connexion", "/connexion/lien", "/participer/anonyme",
                 "/deconnexion", "/compte/effacement"]:
        r = await client.post(path, data={"email": "x@exemple.fr"})
        assert r.status_code == 403, path
        r = await client.post(path, data={"csrf_token": "forged.token"})
        assert r.status_code == 403, path


async def test_login_rate_limit_answers_429_with_retry_after(platform: Platform) -> None:
    client = platform.client()
    statuses = []
    for _ in range(7):
        r = await post_form(client, "/connexion", "/connexion", {"email": "eve@exemple.fr"})
        statuses.append(r.status_code)
    assert statuses[:5] == [200] * 5 and statuses[5] == 429
    assert 0 < int(r.headers["retry-after"]) <= 3600
    assert "Réessayez" in r.text


async def test_csrf_cookie_is_host_prefixed_secure_and_strict(platform: Platform) -> None:
    r = await platform.client().get("/connexion")
    cookie = r.headers["set-cookie"].lower()
    assert cookie.startswith("__host-parlons_csrf=")
    assert "; secure" in cookie and "samesite=strict" in cookie and "; path=/" in cookie


def test_cookies_are_secure_by_default_outside_development() -> None:
    from services.web.settings import WebSettings

    assert WebSettings(environment="production", secret_key="s").cookies_secure
    assert not WebSettings(environment="development").cookies_secure  # http://127.0.0.1
    assert WebSettings(environment="development", secure_cookies=True).cookies_secure
    assert not WebSettings(environment="production", secure_cookies=False).cookies_secure
