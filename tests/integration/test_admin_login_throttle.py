"""The admin's password login (issue #19 item 2, ADR 0042): wrong passwords are
throttled per account and per client (429, Retry-After, a French page), and the
password hash runs off the event loop, so logins do not stall other requests."""

from __future__ import annotations

import asyncio
import base64
import hashlib
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from harness.forms import csrf_of
from harness.platform import ADMIN_PASSWORD, Platform, open_platform


def client_from(p: Platform, ip: str) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=p.app, client=(ip, 40000))  # type: ignore[arg-type]
    return httpx.AsyncClient(transport=transport, base_url="https://parlons.test")


async def attempt(client: httpx.AsyncClient, user: str, password: str) -> httpx.Response:
    page = await client.get("/admin/connexion")
    return await client.post("/admin/connexion", data={
        "csrf_token": csrf_of(page.text), "utilisateur": user, "mot_de_passe": password,
        "suite": "/admin"})


async def test_wrong_passwords_get_429_with_retry_after_in_french(platform: Platform) -> None:
    async with client_from(platform, "192.0.2.10") as client:
        statuses = [(await attempt(client, "orga", f"essai {i}")).status_code
                    for i in range(8)]
        assert statuses[:5] == [400] * 5
        assert set(statuses[5:]) == {429}, statuses
        refused = await attempt(client, "orga", "encore")
        assert refused.status_code == 429
        assert int(refused.headers["retry-after"]) >= 1
        assert "Réessayez dans" in refused.text
        # the right password is refused too while the account waits
        assert (await attempt(client, "orga", ADMIN_PASSWORD)).status_code == 429


async def test_the_account_waits_whatever_the_client(platform: Platform) -> None:
    for i in range(5):
        async with client_from(platform, f"192.0.2.{20 + i}") as client:
            assert (await attempt(client, "orga", "mauvais")).status_code == 400
    async with client_from(platform, "198.51.100.7") as fresh:
        assert (await attempt(fresh, "orga", ADMIN_PASSWORD)).status_code == 429


async def test_one_client_trying_many_accounts_waits(platform: Platform) -> None:
    async with client_from(platform, "192.0.2.99") as client:
        statuses = [(await attempt(client, f"admin{i}", "mauvais")).status_code
                    for i in range(22)]
    assert statuses[:20] == [400] * 20 and statuses[-1] == 429
    async with client_from(platform, "203.0.113.5") as other:  # another client is not held
        assert (await attempt(other, "orga", ADMIN_PASSWORD)).status_code == 303


def slow_hash(password: str) -> str:
    """A valid scrypt hash costing about ten times the default (p=8)."""
    salt = b"0123456789abcdef"
    digest = hashlib.scrypt(password.encode(), salt=salt, n=2**14, r=8, p=8, dklen=32)
    return (f"scrypt${2**14}$8$8${base64.b64encode(salt).decode()}$"
            f"{base64.b64encode(digest).decode()}")


@pytest.fixture
async def slow(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Platform]:
    env = {"ADMIN_PASSWORD_HASH": slow_hash(ADMIN_PASSWORD)}
    async with open_platform(tmp_path, monkeypatch, env=env) as p:
        yield p


async def test_the_password_hash_does_not_stall_other_requests(slow: Platform) -> None:
    """While a login hashes, /healthz answers: it finishes before the login does
    (on the event loop, the hash would hold every other request behind it)."""
    done: list[str] = []
    async with client_from(slow, "192.0.2.50") as client:
        page = await client.get("/admin/connexion")
        form = {"csrf_token": csrf_of(page.text), "utilisateur": "orga",
                "mot_de_passe": "mauvais", "suite": "/admin"}

        async def login() -> None:
            assert (await client.post("/admin/connexion", data=form)).status_code == 400
            done.append("login")

        async def health() -> None:
            await asyncio.sleep(0.05)  # the login is hashing by now
            assert (await client.get("/healthz")).status_code == 200
            done.append("healthz")

        await asyncio.gather(login(), health())
    assert done == ["healthz", "login"]
