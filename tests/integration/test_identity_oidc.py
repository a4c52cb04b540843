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
from test_identity_web import Platform, open_platform

from services.identity.levels import identity_level


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
    assert done.status_code == 303 and done.headers["location"] == "/compte", done.text
    account = await client.get("/compte")
    assert "identité vérifiée" in account.text and "odile@exemple.fr" in account.text
    pid = platform.container.ports["vault"]
    found = await pid.find("email", "odile@exemple.fr")  # type: ignore[attr-defined]
    assert found and await identity_level(platform.container.store, found) == "verified"


async def test_oidc_callback_with_another_state_is_refused(platform: Platform) -> None:
    client = platform.client()
    start = await client.get("/connexion/oidc")
    callback = await authorize_at_provider(start.headers["location"], "pierre@exemple.fr")
    forged = callback.replace("state=", "state=x")
    r = await client.get(forged)
    assert r.status_code == 400 and "a échoué" in r.text
    assert await platform.container.log.read("identity.events") == []
