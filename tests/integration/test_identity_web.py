"""Identity over HTTP on the embedded platform (SQLite log, store and vault):
magic links, CSRF, rate limits, the back-office route walk with every role,
private data, erasure leaving no trace in any file, no e-mail or IP in events
and logs."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from services.core.clock import FixedClock
from services.core.envelope import Actor
from services.core.events import Meta
from services.runtime.app import create_app
from services.runtime.bootstrap import Container, bootstrap
from services.runtime.runner import running
from services.runtime.settings import Settings
from services.web.passwords import hash_password

ADMIN_PASSWORD = "mot de passe de test très long"
EMAIL_RE = re.compile(rb"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+\.[A-Za-z]{2,}")
IP_RE = re.compile(rb"\b(?:\d{1,3}\.){3}\d{1,3}\b")
SYSTEM = Meta(actor=Actor(id="system", role="system"))


@dataclass
class Platform:
    container: Container
    app: object
    clock: FixedClock
    data_dir: Path
    client: Callable[[], httpx.AsyncClient]


@pytest.fixture
async def platform(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Platform]:
    async with open_platform(tmp_path, monkeypatch) as p:
        yield p


@asynccontextmanager
async def open_platform(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                        ) -> AsyncIterator[Platform]:
    """Parlons embedded on SQLite in `tmp_path/var`, workers running, settings
    from PARLONS_* variables set for the test only."""
    for name, value in {"SECRET_KEY": "web-test-secret", "IDENTITY_SECRET": "id-test-secret",
                        "ENVIRONMENT": "development", "ADMIN_USER": "orga",
                        "ADMIN_PASSWORD_HASH": hash_password(ADMIN_PASSWORD),
                        "SECURE_COOKIES": "true", "PUBLIC_URL": "https://parlons.test",
                        "RATE_LOGIN_PER_HOUR": "5"}.items():
        monkeypatch.setenv(f"PARLONS_{name}", value)
    clock = FixedClock(datetime.now(UTC))
    settings = Settings(event_log="sqlite", read_store="sqlite", data_dir=tmp_path / "var",
                        worker_poll_timeout=0.02, worker_backoff_base=0.01)
    container = bootstrap(settings, clock=clock)
    app = create_app(container)
    clients: list[httpx.AsyncClient] = []

    def client() -> httpx.AsyncClient:
        c = httpx.AsyncClient(transport=httpx.ASGITransport(app=app),  # type: ignore[arg-type]
                              base_url="https://parlons.test")
        clients.append(c)
        return c

    async with running(container):
        yield Platform(container, app, clock, tmp_path / "var", client)
        for c in clients:
            await c.aclose()


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "form without CSRF token"
    return found.group(1)


async def post_form(client: httpx.AsyncClient, page: str, action: str,
                    data: dict[str, str]) -> httpx.Response:
    token = csrf_of((await client.get(page)).text)
    return await client.post(action, data={"csrf_token": token, **data})


async def last_link(p: Platform) -> str:
    outbox = await p.client().get("/dev/courriels")
    found = re.search(r"jeton=([A-Za-z0-9_.-]+)", outbox.text)
    assert found, outbox.text
    return found.group(1)


async def sign_up(p: Platform, client: httpx.AsyncClient, email: str, pseudonym: str,
                  postcode: str = "") -> httpx.Response:
    return await post_form(client, "/inscription", "/inscription",
                           {"email": email, "pseudonym": pseudonym, "postcode": postcode})


async def follow_link(client: httpx.AsyncClient, token: str) -> httpx.Response:
    page = await client.get(f"/connexion/lien?jeton={token}")
    if page.status_code != 200:
        return page
    return await client.post("/connexion/lien",
                             data={"csrf_token": csrf_of(page.text), "jeton": token})


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
