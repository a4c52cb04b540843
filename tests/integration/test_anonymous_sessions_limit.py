"""New anonymous sessions are rate limited per client address (ADR 0133): one
address used to open 60 sessions, 60 participant ids, in 1.6 s. Beyond the
budget, the anonymous page again with a French explanation, 429 and
`Retry-After`; a session already open is not counted; each client behind a
trusted proxy has its own budget; the figure is a setting."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from harness.consultations import draft_consultation
from harness.forms import csrf_of
from harness.platform import open_platform

PEER = "127.0.0.1"  # what httpx's ASGI transport gives as the socket peer


async def open_anonymous(client: httpx.AsyncClient, cid: str,
                         forwarded: str | None = None) -> httpx.Response:
    page = await client.get(f"/participer/anonyme?consultation={cid}")
    headers = {"X-Forwarded-For": forwarded} if forwarded else {}
    return await client.post("/participer/anonyme", headers=headers, data={
        "csrf_token": csrf_of(page.text), "consultation": cid, "suite": "/"})


def opened(r: httpx.Response) -> bool:
    return r.status_code == 303 and "parlons_session=" in r.headers.get("set-cookie", "")


async def test_one_address_opens_ten_sessions_an_hour_by_default(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    async with open_platform(tmp_path, monkeypatch) as p:
        cid = await draft_consultation(p)
        first = p.client()
        assert opened(await open_anonymous(first, cid))
        assert all([opened(await open_anonymous(p.client(), cid)) for _ in range(9)])

        refused = await open_anonymous(p.client(), cid)
        assert refused.status_code == 429 and "parlons_session=" not in refused.headers.get(
            "set-cookie", "")
        wait = int(refused.headers["Retry-After"])
        assert 300 <= wait <= 360  # the next one in six minutes: 10 an hour
        assert "Trop de sessions anonymes" in refused.text
        assert f"Réessayez dans {-(-wait // 60)} minutes" in refused.text
        assert 'action="/participer/anonyme"' in refused.text  # the form, to retry later

        again = await open_anonymous(first, cid)  # a session already open mints nobody
        assert again.status_code == 303 and opened(again)


async def test_the_budget_is_per_client_and_a_setting(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PARLONS_RATE_ANONYMOUS_PER_HOUR", "2")
    monkeypatch.setenv("PARLONS_TRUSTED_PROXIES", PEER)
    async with open_platform(tmp_path, monkeypatch) as p:
        cid = await draft_consultation(p)
        here = [(await open_anonymous(p.client(), cid, "198.51.100.7")).status_code
                for _ in range(3)]
        assert here == [303, 303, 429]
        assert opened(await open_anonymous(p.client(), cid, "203.0.113.9"))  # another address
