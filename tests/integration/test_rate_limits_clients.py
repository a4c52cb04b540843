"""Who a client is for the rate limits (ADR 0045), and the no-JavaScript proof of
work that must not be batched (ADR 0046), over HTTP: `X-Forwarded-For` only
from a trusted proxy (PARLONS_TRUSTED_PROXIES), else the socket peer; a
client redeems one wait ticket per wait, and a ticket opens only the
consultation it was issued for."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from harness.consultations import draft_consultation
from harness.forms import csrf_of
from harness.platform import Platform, open_platform, session_client

from services.identity.queries import proof_of_work_required

PEER = "127.0.0.1"  # what httpx's ASGI transport gives as the socket peer


async def ask_link(client: httpx.AsyncClient, email: str, forwarded: str | None
                   ) -> httpx.Response:
    page = await client.get("/connexion")
    headers = {"X-Forwarded-For": forwarded} if forwarded is not None else {}
    return await client.post("/connexion", data={"csrf_token": csrf_of(page.text),
                                                  "email": email}, headers=headers)


@pytest.fixture
def limited(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PARLONS_RATE_LIMITS", "magic_link.client=3/3600")


async def test_without_trusted_proxies_the_header_is_ignored(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, limited: None) -> None:
    async with open_platform(tmp_path, monkeypatch) as p:
        client = p.client()
        statuses = [(await ask_link(client, f"p{n}@exemple.fr", f"198.51.100.{n}")).status_code
                    for n in range(5)]
    assert statuses == [200, 200, 200, 429, 429]  # a forged header buys no new budget


async def test_behind_a_trusted_proxy_each_forwarded_client_has_its_budget(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, limited: None) -> None:
    monkeypatch.setenv("PARLONS_TRUSTED_PROXIES", f"10.0.0.0/8, {PEER}")
    async with open_platform(tmp_path, monkeypatch) as p:
        client = p.client()
        many = [(await ask_link(client, f"p{n}@exemple.fr", f"198.51.100.{n}")).status_code
                for n in range(5)]
        assert many == [200] * 5  # five people behind the proxy
        # one client, whatever it writes left of what the proxies appended
        one = [(await ask_link(client, f"q{n}@exemple.fr",
                               f"192.0.2.{n}, 203.0.113.9, 10.1.2.3")).status_code
               for n in range(5)]
        assert one == [200, 200, 200, 429, 429]


BITS = 8


async def switch_on(p: Platform, cid: str) -> None:
    async with session_client(p, "orga", kind="admin") as admin:
        page = await admin.get(f"/admin/equipe/{cid}")
        r = await admin.post(f"/admin/equipe/{cid}/anti-robot",
                             data={"csrf_token": csrf_of(page.text), "actif": "oui"})
        assert r.status_code == 303
    assert await proof_of_work_required(p.container.store, cid)


async def anonymous(client: httpx.AsyncClient, cid: str, ticket: str) -> httpx.Response:
    page = await client.get("/connexion")
    return await client.post("/participer/anonyme", data={
        "csrf_token": csrf_of(page.text), "consultation": cid, "suite": "/",
        "attente": ticket})


def opened(r: httpx.Response) -> bool:
    return r.status_code == 303 and "parlons_session=" in r.headers.get("set-cookie", "")


@pytest.fixture
async def guarded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Platform]:
    monkeypatch.setenv("PARLONS_POW_DIFFICULTY_BITS", str(BITS))
    monkeypatch.setenv("PARLONS_POW_WAIT_SECONDS", "30")
    async with open_platform(tmp_path, monkeypatch) as p:
        yield p


async def test_forty_wait_tickets_fetched_at_once_open_one_session_per_wait(
        guarded: Platform) -> None:
    """40 tickets from one 31 s wait used to open 40 anonymous sessions."""
    p = guarded
    cid = await draft_consultation(p)
    await switch_on(p, cid)
    client = p.client()
    pages = [await client.get(f"/participer/anonyme?consultation={cid}") for _ in range(40)]
    tickets = [m.group(1) for r in pages
               if (m := re.search(r'name="attente" value="([^"]+)"', r.text))]
    assert len(tickets) == 40  # showing a page spends nothing
    p.clock.advance(timedelta(seconds=31))
    results = [await anonymous(p.client(), cid, t) for t in tickets]
    assert sum(opened(r) for r in results) == 1
    assert all(r.status_code == 429 and "Réessayez" in r.text and r.headers["Retry-After"]
               for r in results if not opened(r))
    p.clock.advance(timedelta(seconds=30))
    assert sum([opened(await anonymous(p.client(), cid, t)) for t in tickets[1:3]]) == 1


async def test_a_wait_ticket_opens_only_its_consultation(guarded: Platform) -> None:
    p = guarded
    first, second = await draft_consultation(p), await draft_consultation(p)
    await switch_on(p, first)
    await switch_on(p, second)
    page = await p.client().get(f"/participer/anonyme?consultation={first}")
    found = re.search(r'name="attente" value="([^"]+)"', page.text)
    assert found
    p.clock.advance(timedelta(seconds=31))
    assert (await anonymous(p.client(), second, found.group(1))).status_code == 400
    assert opened(await anonymous(p.client(), first, found.group(1)))
