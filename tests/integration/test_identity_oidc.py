"""OpenID Connect login end to end against a local provider started by the test
(PyPI `oidc-provider-mock`, on a free 127.0.0.1 port)."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import oidc_provider_mock
import pytest
import werkzeug.serving
from harness.forms import csrf_of
from harness.platform import Platform, open_platform

from services.identity.queries import identity_level
from services.web.account.oidc import CHOOSE


@pytest.fixture
def provider() -> Iterator[str]:
    server = werkzeug.serving.make_server("127.0.0.1", 0, oidc_provider_mock.app(),
                                          threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture
async def platform(provider: str, tmp_path: Path,
                   monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Platform]:
    monkeypatch.setenv("PARLONS_OIDC_ISSUER", provider)
    monkeypatch.setenv("PARLONS_OIDC_CLIENT_ID", "parlons-test")
    monkeypatch.setenv("PARLONS_OIDC_CLIENT_SECRET", "parlons-test-secret")
    monkeypatch.setenv("PARLONS_OIDC_SCOPES", "openid email")
    async with open_platform(tmp_path, monkeypatch) as p:
        yield p


async def authorize_at_provider(url: str, subject: str) -> str:
    """What the person does at the provider: pick an identity. Returns the
    redirect back to Parlons (path and query)."""
    async with httpx.AsyncClient(timeout=10) as http:
        r = await http.post(url, data={"sub": subject})
    assert r.status_code in (302, 303), r.text
    back = urlsplit(r.headers["location"])
    assert back.netloc == "parlons.test"
    return f"{back.path}?{back.query}"


async def test_oidc_login_end_to_end(platform: Platform, provider: str) -> None:
    client = platform.client()
    login = await client.get("/connexion")
    assert "identifier avec FranceConnect" in login.text
    start = await client.get("/connexion/oidc")
    assert start.status_code == 303 and start.headers["location"].startswith(provider)
    assert "acr_values=eidas1" in start.headers["location"]
    callback = await authorize_at_provider(start.headers["location"], "odile@exemple.fr")
    done = await client.get(callback)
    # A new account chooses its pseudonym first: nothing is registered before.
    assert done.status_code == 303 and done.headers["location"] == CHOOSE, done.text
    assert await platform.container.log.read("identity.events") == []
    page = await client.get(CHOOSE)
    assert page.status_code == 200 and "Choisir votre pseudonyme" in page.text
    token = csrf_of(page.text)
    for bad, message in (("Connard", "pas accepté"), ("x", "caractères")):
        r = await client.post(CHOOSE, data={"csrf_token": token, "pseudonym": bad})
        assert r.status_code == 400 and message in r.text, r.text
    assert await platform.container.log.read("identity.events") == []
    r = await client.post(CHOOSE, data={"pseudonym": "Odile des Pentes"})
    assert r.status_code == 403  # CSRF on this form too
    r = await client.post(CHOOSE, data={"csrf_token": token, "pseudonym": "Odile des Pentes",
                                        "postcode": "69001"})
    assert r.status_code == 303 and r.headers["location"] == "/compte", r.text
    account = await client.get("/compte")
    assert "identité vérifiée" in account.text and "odile@exemple.fr" in account.text
    assert "Odile des Pentes" in account.text and "Participant " not in account.text
    pid = platform.container.ports["vault"]
    found = await pid.find("email", "odile@exemple.fr")  # type: ignore[attr-defined]
    assert found and await identity_level(platform.container.store, found) == "verified"
    # The next login finds the account: no pseudonym to choose again.
    again = platform.client()
    start = await again.get("/connexion/oidc")
    callback = await authorize_at_provider(start.headers["location"], "odile@exemple.fr")
    done = await again.get(callback)
    assert done.status_code == 303 and done.headers["location"] == "/compte"


async def test_the_pseudonym_form_needs_a_fresh_verified_identity(platform: Platform) -> None:
    client = platform.client()
    assert (await client.get(CHOOSE)).headers["location"] == "/connexion"
    page = await client.get("/connexion")
    client.cookies.set("__Secure-parlons_oidc_new", "forge", domain="parlons.test")
    r = await client.post(CHOOSE, data={"csrf_token": csrf_of(page.text), "pseudonym": "Forgé"})
    assert r.status_code == 303 and r.headers["location"] == "/connexion"
    assert await platform.container.log.read("identity.events") == []


async def test_oidc_callback_with_another_state_is_refused(platform: Platform) -> None:
    client = platform.client()
    start = await client.get("/connexion/oidc")
    callback = await authorize_at_provider(start.headers["location"], "pierre@exemple.fr")
    forged = callback.replace("state=", "state=x")
    r = await client.get(forged)
    assert r.status_code == 400 and "a échoué" in r.text
    assert await platform.container.log.read("identity.events") == []
