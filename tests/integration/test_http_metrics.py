"""The metrics of the HTTP app (ADR 0055): requests by route template (never a
raw path: no id in a label) and status class, commands by type and outcome,
rate-limit refusals, readiness refreshed at each scrape."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from harness.consultations import ORGANISER, publish
from prometheus_client.parser import text_string_to_metric_families

from services.apikit.deps import participant_context
from services.consultation.commands import PhaseSpec
from services.core.errors import (
    ConcurrencyConflict,
    DomainError,
    EventLogUnavailable,
    NotFound,
)
from services.core.participants import ParticipantContext
from services.runtime.app import create_app
from services.runtime.bootstrap import Container, bootstrap, command_outcome
from services.runtime.runner import running
from services.runtime.settings import Settings

LIMIT = 3


@pytest.fixture
async def client(monkeypatch: pytest.MonkeyPatch
                 ) -> AsyncIterator[tuple[httpx.AsyncClient, Container]]:
    monkeypatch.setenv("PARLONS_RATE_ACTION_PER_MINUTE", str(LIMIT))
    # the participant below comes from a dependency override, which the limiter
    # (reading the session) does not see: the client's budget is the one that binds
    monkeypatch.setenv("PARLONS_RATE_LIMITS", f"proposal.client={LIMIT}/60")
    container = bootstrap(Settings(event_log="memory", read_store="memory",
                                   worker_poll_timeout=0.01))
    async with running(container):
        now = datetime.now(UTC)
        await publish(container, ORGANISER, "gd", "Le grand débat", "grand-debat", PhaseSpec(
            "d", "deposit", "Dépôt", now - timedelta(hours=1), now + timedelta(days=1)))
        app = create_app(container)
        app.dependency_overrides[participant_context] = lambda: ParticipantContext(
            "p-someone", "anonymous")
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                     base_url="http://parlons.test") as c:
            for _ in range(200):
                if (await c.get("/api/consultations/gd")).is_success:
                    break
                await asyncio.sleep(0.02)
            yield c, container


def samples(text: str, name: str) -> dict[tuple[tuple[str, str], ...], float]:
    return {tuple(sorted(s.labels.items())): s.value
            for f in text_string_to_metric_families(text) for s in f.samples
            if s.name == name}


async def propose(c: httpx.AsyncClient, cid: str, n: int) -> httpx.Response:
    return await c.post(f"/api/consultations/{cid}/proposals",
                        json={"title": f"Proposition numéro {n}",
                              "body": "Des pistes cyclables continues entre les communes."},
                        headers={"Idempotency-Key": f"k-{cid}-{n}"})


async def test_routes_statuses_commands_and_rate_limits_are_counted(
        client: tuple[httpx.AsyncClient, Container]) -> None:
    c, _ = client
    assert (await propose(c, "gd", 1)).status_code == 201
    assert (await propose(c, "absente-4242", 2)).status_code in (404, 422)
    assert (await propose(c, "gd", 3)).status_code == 201
    assert (await propose(c, "gd", 4)).status_code == 429  # beyond LIMIT per minute
    assert (await c.get("/api/consultations/inconnue-777")).status_code == 404
    assert (await c.get("/static/parlons.css")).status_code == 200
    assert (await c.get("/pas/une/page-999")).status_code == 404
    text = (await c.get("/metrics")).text

    http = samples(text, "parlons_http_request_duration_seconds_count")
    routes = {dict(k)["route"] for k in http}
    assert {"/api/consultations/{consultation_id}/proposals",
            "/api/consultations/{consultation_id}", "/static/{path}", "<unmatched>"} <= routes
    for secret in ("absente-4242", "inconnue-777", "page-999", "parlons.css"):
        assert secret not in text  # no raw path, no id, in any label
    created = (("method", "POST"), ("route", "/api/consultations/{consultation_id}/proposals"),
               ("status_class", "2xx"))
    assert http[created] == 2
    assert {dict(k)["status_class"] for k in http} >= {"2xx", "4xx"}

    commands = samples(text, "parlons_commands_total")
    assert commands[(("command", "SubmitProposal"), ("outcome", "ok"))] == 2
    assert commands[(("command", "SubmitProposal"), ("outcome", "refused"))] == 1
    refusals = samples(text, "parlons_rate_limit_refusals_total")
    assert refusals == {(("route", "/api/consultations/{consultation_id}/proposals"),): 1.0}
    assert samples(text, "parlons_ready") == {(("component", "event_log"),): 1.0,
                                              (("component", "read_store"),): 1.0}
    assert samples(text, "parlons_event_append_seconds_count")
    assert samples(text, "parlons_dead_letters_total")  # every group's series, at zero


def test_command_outcomes() -> None:
    assert command_outcome(DomainError("x", "Non.")) == "refused"
    assert command_outcome(NotFound("x")) == "refused"
    assert command_outcome(ConcurrencyConflict("s", 1, 2)) == "conflict"
    assert command_outcome(EventLogUnavailable("disk full")) == "unavailable"
    assert command_outcome(RuntimeError("bug")) == "error"
