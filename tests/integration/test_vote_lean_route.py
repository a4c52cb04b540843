"""The lean ballot route (services/vote/api_cast.py) answers exactly what the
FastAPI route answers, and runs the same gates: every request below is sent
twice, with the lean route first in the app and with it taken out, by two
participants in the same situation; status and JSON must match. A counter on the
lean route's rate-limit call shows which requests it served itself."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from harness.consultations import AGREE, open_vote
from harness.forms import csrf_header
from harness.lean_routes import Send, answer
from harness.platform import Platform, open_platform, participant, session_client

from services.vote import api_cast
from services.vote.api_cast import LeanBallotRoute


@pytest.fixture
async def platform(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Platform]:
    async with open_platform(tmp_path, monkeypatch) as p:
        await open_vote(p)
        yield p


def post(item: str, body: Any = AGREE, key: str | None = "k", csrf: bool = True,
         content_type: str | None = None) -> Send:
    async def send(client: httpx.AsyncClient, csrf_headers: dict[str, str]) -> httpx.Response:
        headers = {**(csrf_headers if csrf else {})}
        if key is not None:
            headers["Idempotency-Key"] = key
        if isinstance(body, bytes):
            headers["Content-Type"] = content_type or "application/json"
            return await client.post(f"/api/items/{item}/ballot", content=body, headers=headers)
        if content_type:
            headers["Content-Type"] = content_type
        return await client.post(f"/api/items/{item}/ballot", json=body, headers=headers)
    return send


# (name, request, served by the lean route itself?)
CASES: list[tuple[str, Send, bool]] = [
    ("recorded", post("item-0"), True),
    ("invalid choice", post("item-0", {"kind": "agree", "choice": "peut-être"}), True),
    ("unknown kind", post("item-0", {"kind": "like", "choice": "agree"}), True),
    ("unknown item", post("item-999"), True),
    ("hidden item", post("item-4"), True),
    ("withdrawn item", post("item-5"), True),
    ("no CSRF token", post("item-0", csrf=False), True),
    ("extra field", post("item-0", {**AGREE, "weight": 10}), False),
    ("missing field", post("item-0", {"kind": "agree"}), False),
    ("too long", post("item-0", {"kind": "agree", "choice": "x" * 30}), False),
    ("malformed JSON", post("item-0", b'{"kind": "agree",'), False),
    ("no idempotency key", post("item-0", key=None), False),
    ("idempotency key too long", post("item-0", key="k" * 201), False),
    ("form body", post("item-0", b"kind=agree&choice=agree",
                       content_type="application/x-www-form-urlencoded"), False),
]


def comparable(r: httpx.Response) -> tuple[int, Any, str | None]:
    try:
        body: Any = r.json()
    except ValueError:
        body = r.text
    return r.status_code, body, r.headers.get("retry-after")


@pytest.mark.parametrize(("name", "send", "served"), CASES, ids=[c[0] for c in CASES])
async def test_the_lean_route_answers_like_the_fastapi_route(
        platform: Platform, monkeypatch: pytest.MonkeyPatch,
        name: str, send: Send, served: bool) -> None:
    calls: list[str] = []
    counted = api_cast.limit_action

    async def counting(request: Any, action: str) -> None:
        assert action == "vote"
        calls.append(request.url.path)
        await counted(request, action)
    monkeypatch.setattr(api_cast, "limit_action", counting)

    lean = await answer(platform, LeanBallotRoute, name, send, True, comparable)
    assert bool(calls) == served, calls
    usual = await answer(platform, LeanBallotRoute, name, send, False, comparable)
    assert lean == usual
    assert lean[0] == (200 if name == "recorded" else lean[0])
    if name != "recorded":
        assert lean[0] >= 400, lean


async def test_the_lean_route_keeps_the_contribution_rate_limit(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PARLONS_RATE_ACTION_PER_MINUTE", "3")
    async with open_platform(tmp_path, monkeypatch) as p:
        await open_vote(p)
        who = await participant(p, "Hative")
        async with session_client(p, who) as client:
            headers = await csrf_header(client)
            statuses = []
            for n in range(5):
                r = await client.post(f"/api/items/item-{n % 4}/ballot", json=AGREE,
                                      headers={**headers, "Idempotency-Key": f"k{n}"})
                statuses.append(r.status_code)
            assert r.headers["retry-after"]
            assert r.json()["error"] == "rate_limited"
    assert statuses[3:] == [429, 429], statuses


async def test_a_retry_with_the_same_key_replays_the_first_answer(platform: Platform) -> None:
    who = await participant(platform, "Prudente")
    async with session_client(platform, who) as client:
        headers = {**await csrf_header(client), "Idempotency-Key": "same"}
        first = await client.post("/api/items/item-1/ballot", json=AGREE, headers=headers)
        again = await client.post("/api/items/item-1/ballot", json=AGREE, headers=headers)
        other = await client.post("/api/items/item-1/ballot",
                                  json={"kind": "agree", "choice": "disagree"}, headers=headers)
    assert (first.status_code, first.json()["status"]) == (200, "recorded")
    assert again.json() == first.json() and again.headers["idempotent-replayed"] == "true"
    assert (other.status_code, other.json()["error"]) == (422, "idempotency_key_reused")
    ballots = [r for r in await platform.container.log.read("vote.events")
               if r.event.type == "vote.BallotCast"]
    assert len(ballots) == 1
