"""The lean proposal route (services/deposit/api_submit.py) answers exactly what
the FastAPI route answers, and runs the same gates: every request below is sent
twice, with the lean route first in the app and with it taken out, by two
participants in the same situation; status, JSON (the new id aside) and
`Location` must match. A counter on the lean route's rate-limit call shows which
requests it served itself."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from harness.consultations import open_consultation
from harness.forms import csrf_header
from harness.lean_routes import Send, answer
from harness.platform import Platform, open_platform, participant, session_client

from services.deposit import api_submit
from services.deposit.api_submit import LeanProposalRoute

PROPOSAL = {"title": "Des pistes cyclables", "body": "Partout, et sûres pour les enfants."}


@pytest.fixture
async def platform(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Platform]:
    async with open_platform(tmp_path, monkeypatch) as p:
        await open_consultation(p, "velo", level="anonymous")
        await open_consultation(p, "certifiee", level="verified")
        yield p


def post(body: Any = PROPOSAL, cid: str = "velo", key: str | None = "k", csrf: bool = True,
         content_type: str | None = None) -> Send:
    async def send(client: httpx.AsyncClient, csrf_headers: dict[str, str]) -> httpx.Response:
        headers = {**(csrf_headers if csrf else {})}
        if key is not None:
            headers["Idempotency-Key"] = key
        url = f"/api/consultations/{cid}/proposals"
        if isinstance(body, bytes):
            headers["Content-Type"] = content_type or "application/json"
            return await client.post(url, content=body, headers=headers)
        return await client.post(url, json=body, headers=headers)
    return send


# (name, request, served by the lean route itself?)
CASES: list[tuple[str, Send, bool]] = [
    ("recorded", post(), True),
    ("unknown theme", post({**PROPOSAL, "theme_id": "inconnu"}), True),
    ("unknown consultation", post(cid="nulle-part"), True),
    ("level too low", post(cid="certifiee"), True),
    ("empty title", post({**PROPOSAL, "title": ""}), True),
    ("no CSRF token", post(csrf=False), True),
    ("extra field", post({**PROPOSAL, "author_id": "quelqu-un"}), False),
    ("missing field", post({"title": "Sans texte"}), False),
    ("too long", post({**PROPOSAL, "territory": "x" * 11}), False),
    ("malformed JSON", post(b'{"title": "x",'), False),
    ("no idempotency key", post(key=None), False),
    ("idempotency key too long", post(key="k" * 201), False),
    ("form body", post(b"title=x&body=y", content_type="application/x-www-form-urlencoded"),
     False),
]


def comparable(r: httpx.Response) -> tuple[int, Any, str | None]:
    try:
        body: Any = r.json()
    except ValueError:
        body = r.text
    location = r.headers.get("location")
    if isinstance(body, dict) and "id" in body:
        assert location == f"/api/contributions/{body['id']}"
        body, location = {**body, "id": "<new>"}, "<new>"
    return r.status_code, body, location


@pytest.mark.parametrize(("name", "send", "served"), CASES, ids=[c[0] for c in CASES])
async def test_the_lean_route_answers_like_the_fastapi_route(
        platform: Platform, monkeypatch: pytest.MonkeyPatch,
        name: str, send: Send, served: bool) -> None:
    calls: list[str] = []
    counted = api_submit.limit_action

    async def counting(request: Any, action: str) -> None:
        assert action == "proposal"
        calls.append(request.url.path)
        await counted(request, action)
    monkeypatch.setattr(api_submit, "limit_action", counting)

    lean = await answer(platform, LeanProposalRoute, name, send, True, comparable)
    assert bool(calls) == served, calls
    usual = await answer(platform, LeanProposalRoute, name, send, False, comparable)
    assert lean == usual
    assert lean[0] == (201 if name == "recorded" else lean[0])
    if name != "recorded":
        assert lean[0] >= 400, lean


async def test_the_lean_route_keeps_the_proposal_rate_limit(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PARLONS_RATE_ACTION_PER_MINUTE", "3")
    async with open_platform(tmp_path, monkeypatch) as p:
        await open_consultation(p, "velo", level="anonymous")
        who = await participant(p, "Hative")
        async with session_client(p, who) as client:
            headers = await csrf_header(client)
            statuses = []
            for n in range(5):
                r = await client.post("/api/consultations/velo/proposals",
                                      json={**PROPOSAL, "title": f"Idée {n}"},
                                      headers={**headers, "Idempotency-Key": f"k{n}"})
                statuses.append(r.status_code)
            assert r.headers["retry-after"]
            assert r.json()["error"] == "rate_limited"
    assert statuses[3:] == [429, 429], statuses


async def test_a_retry_with_the_same_key_replays_the_first_answer(platform: Platform) -> None:
    who = await participant(platform, "Prudente")
    async with session_client(platform, who) as client:
        headers = {**await csrf_header(client), "Idempotency-Key": "same"}
        url = "/api/consultations/velo/proposals"
        first = await client.post(url, json=PROPOSAL, headers=headers)
        again = await client.post(url, json=PROPOSAL, headers=headers)
        other = await client.post(url, json={**PROPOSAL, "title": "Autre"}, headers=headers)
    assert first.status_code == 201 and first.headers["location"].endswith(first.json()["id"])
    assert again.json() == first.json() and again.headers["idempotent-replayed"] == "true"
    assert again.status_code == 201 and again.headers["location"] == first.headers["location"]
    assert (other.status_code, other.json()["error"]) == (422, "idempotency_key_reused")
    submitted = [r for r in await platform.container.log.read("deposit.events")
                 if r.event.type == "deposit.ProposalSubmitted"]
    assert len(submitted) == 1
