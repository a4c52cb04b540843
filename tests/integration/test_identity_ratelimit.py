"""The rate limits of the deposit and flag routes (`apikit.deps.rate_limited`,
ADR 0045): beyond the limit, 429 with `Retry-After`, and nothing is written.
No session here (the participant is overridden): only the client's budget
counts, set to the identity's (`PARLONS_RATE_CLIENT_FACTOR=1`)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from harness.consultations import ORGANISER, publish
from harness.platform import submitted

from services.apikit.deps import participant_context
from services.consultation.commands import PhaseSpec
from services.core.participants import ParticipantContext
from services.runtime.app import create_app
from services.runtime.bootstrap import Container, bootstrap
from services.runtime.runner import running
from services.runtime.settings import Settings

LIMIT = 3


def someone() -> ParticipantContext:
    return ParticipantContext("p-someone", "anonymous")


@pytest.fixture
async def client(monkeypatch: pytest.MonkeyPatch
                 ) -> AsyncIterator[tuple[httpx.AsyncClient, Container]]:
    monkeypatch.setenv("PARLONS_RATE_ACTION_PER_MINUTE", str(LIMIT))
    monkeypatch.setenv("PARLONS_RATE_CLIENT_FACTOR", "1")
    container = bootstrap(Settings(event_log="memory", read_store="memory",
                                   worker_poll_timeout=0.01))
    async with running(container):
        now = datetime.now(UTC)
        await publish(container, ORGANISER, "gd", "Le grand débat", "grand-debat", PhaseSpec(
            "d", "deposit", "Dépôt", now - timedelta(hours=1), now + timedelta(days=1)))
        app = create_app(container)
        app.dependency_overrides[participant_context] = someone
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                     base_url="http://parlons.test") as c:
            for _ in range(200):
                if (await c.get("/api/consultations/gd")).is_success:
                    break
                await asyncio.sleep(0.02)
            await asyncio.sleep(0.1)
            yield c, container


async def propose(c: httpx.AsyncClient, n: int) -> httpx.Response:
    return await c.post("/api/consultations/gd/proposals",
                        json={"title": f"Proposition numéro {n}",
                              "body": "Des pistes cyclables continues entre les communes."},
                        headers={"Idempotency-Key": f"k-{n}"})


async def test_deposit_beyond_the_limit_gets_429_with_retry_after_and_stores_nothing(
        client: tuple[httpx.AsyncClient, Container]) -> None:
    c, container = client
    statuses = [(await propose(c, n)).status_code for n in range(LIMIT)]
    assert statuses == [201] * LIMIT
    written = len(await submitted(container))
    refused = await propose(c, LIMIT)
    assert refused.status_code == 429
    assert 0 < int(refused.headers["Retry-After"]) <= 60
    assert refused.json()["error"] == "rate_limited" and "Réessayez" in refused.json()["message"]
    assert len(await submitted(container)) == written


async def flag(c: httpx.AsyncClient, n: int) -> httpx.Response:
    return await c.post("/api/contributions/whatever/flags", json={"text": "spam"},
                        headers={"Idempotency-Key": f"flag-{n}"})


async def test_flags_count_on_their_own_budget(
        client: tuple[httpx.AsyncClient, Container]) -> None:
    """Proposals used to spend the flags' budget (one counter per client for
    every action); each action now has its own."""
    c, _ = client
    for n in range(LIMIT):
        await propose(c, n)
    assert [(await flag(c, n)).status_code != 429 for n in range(LIMIT)] == [True] * LIMIT
    r = await flag(c, LIMIT)
    assert r.status_code == 429 and "Retry-After" in r.headers
