"""`make run` restarted with the default settings keeps its visitors logged in
and its accounts readable (issue #17, ADR 0050): two `parlons serve` processes,
one after the other, on the same data folder and no secret in the environment."""

from __future__ import annotations

import re
import stat
from pathlib import Path

import httpx
import pytest
from harness.forms import csrf_of
from harness.processes import Parlons, start_serve

pytestmark = pytest.mark.slow


def _sign_up(client: httpx.Client, email: str, pseudonym: str) -> None:
    page = client.get("/inscription")
    r = client.post("/inscription", data={"csrf_token": csrf_of(page.text), "email": email,
                                          "pseudonym": pseudonym, "postcode": "69001"})
    assert r.status_code == 200, r.text[:500]
    token = re.search(r"jeton=([A-Za-z0-9_.-]+)", client.get("/dev/courriels").text)
    assert token, "no magic link in the development outbox"
    link = client.get(f"/connexion/lien?jeton={token.group(1)}")
    r = client.post("/connexion/lien", data={"csrf_token": csrf_of(link.text),
                                             "jeton": token.group(1)})
    assert r.status_code == 303 and r.headers["location"] == "/compte"


def test_a_restart_with_default_settings_keeps_sessions_and_accounts(
        tmp_path: Path, processes: list[Parlons], monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("PARLONS_SECRET_KEY", "PARLONS_IDENTITY_SECRET", "PARLONS_ENVIRONMENT",
                 "PARLONS_READ_STORE", "PARLONS_EVENT_LOG"):
        monkeypatch.delenv(name, raising=False)
    env = {"PARLONS_DATA_DIR": str(tmp_path), "PARLONS_LOG_LEVEL": "WARNING"}

    first, url = start_serve(processes, env, tmp_path / "first.out")
    with httpx.Client(base_url=url, timeout=10) as client:
        _sign_up(client, "aline@exemple.fr", "Aline")
        assert "Aline" in client.get("/compte").text
        cookies = dict(client.cookies)
    assert first.stop() == 0

    second, url = start_serve(processes, env, tmp_path / "second.out")
    with httpx.Client(base_url=url, timeout=10, cookies=cookies) as client:
        account = client.get("/compte")
        assert account.status_code == 200, "the session of the first process was refused"
        assert "Aline" in account.text
        data = client.get("/compte/donnees.json")
        assert data.status_code == 200 and "aline@exemple.fr" in data.text  # the vault opens
    # and the keyed e-mail lookup still finds the account: a login link is sent to it
    with httpx.Client(base_url=url, timeout=10) as stranger:
        page = stranger.get("/connexion")
        r = stranger.post("/connexion", data={"csrf_token": csrf_of(page.text),
                                              "email": "aline@exemple.fr"})
        assert r.status_code == 200
        assert len(re.findall(r"jeton=", stranger.get("/dev/courriels").text)) == 2
    assert second.stop() == 0
    for name in ("secret_key", "identity_secret"):
        assert stat.S_IMODE((tmp_path / "secrets" / name).stat().st_mode) == 0o600
