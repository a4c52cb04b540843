"""The embedded platform over HTTP: create_app + projection workers in one
process, on the memory fakes and on the SQLite event log."""

from __future__ import annotations

import asyncio
import importlib.util
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from fastapi import APIRouter
from harness.platform import polled

from services.apikit.deps import StateDep
from services.core.envelope import Actor, Envelope
from services.core.errors import EventLogUnavailable
from services.eventlog.memory import MemoryEventLog
from services.eventlog.port import EventLog, Recorded
from services.runtime.app import create_app
from services.runtime.bootstrap import Container, bootstrap
from services.runtime.runner import running
from services.runtime.services import ServiceSpec
from services.runtime.settings import Settings
from services.store.memory import MemoryReadStore

API_TOKEN = "jeton-api-de-test"
MACHINE = {"Authorization": f"Bearer {API_TOKEN}"}
HAS_SQLITE_STORE = importlib.util.find_spec("services.store.sqlite") is not None
LOGS = ["memory", "sqlite"]

Client = httpx.AsyncClient


def settings_for(tmp_path: Path, event_log: str) -> Settings:
    return Settings(
        event_log=event_log,  # type: ignore[arg-type]
        read_store="sqlite" if HAS_SQLITE_STORE and event_log == "sqlite" else "memory",
        data_dir=tmp_path, worker_poll_timeout=0.05, worker_backoff_base=0.01,
        api_token=API_TOKEN,
    )


@pytest.fixture
async def platform(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[tuple[Client, Container]]:
    container = bootstrap(settings_for(tmp_path, getattr(request, "param", "memory")))
    async with running(container), _client(container) as client:
        yield client, container


def _client(container: Container) -> Client:
    """A machine client of the JSON API: it creates consultations with the API token."""
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(container)),
                             base_url="http://parlons.test", headers=MACHINE)


async def eventually(get: Callable[[], Awaitable[httpx.Response]]) -> httpx.Response:
    """Poll until not 404: projections catch up asynchronously (bounded wait)."""
    return await polled(get, lambda r: r.status_code != 404, timeout=5.0)


async def created_events(container: Container) -> list[Recorded]:
    return [r for r in await container.log.read("consultation.events")
            if r.event.type == "consultation.ConsultationCreated"]


NEW = {"title": "Budget participatif 2027", "slug": "budget-2027",
       "summary": "Proposez vos projets pour le quartier."}


@pytest.mark.parametrize("platform", LOGS, indirect=True)
async def test_post_then_get_returns_the_consultation(
    platform: tuple[Client, Container],
) -> None:
    client, container = platform
    created = await client.post("/api/consultations", json=NEW,
                                headers={"X-Request-Id": "req-42"})
    assert created.status_code == 201, created.text
    cid = created.json()["id"]
    assert created.headers["location"] == f"/api/consultations/{cid}"
    assert created.headers["x-correlation-id"] == "req-42"

    got = await client.get(f"/api/consultations/{cid}")  # at once: its creator reads it
    assert got.status_code == 200, got.text
    assert {k: got.json()[k] for k in ("id", *NEW)} == {"id": cid, **NEW}
    listed = (await client.get("/api/consultations", params={"limit": 10})).json()
    assert [c["id"] for c in listed["items"]] == [cid]
    [record] = await created_events(container)
    assert record.event.correlation_id == "req-42"  # carried from the header into Meta


@pytest.mark.parametrize("platform", LOGS, indirect=True)
async def test_a_created_consultation_is_readable_at_once_by_its_creator(
    platform: tuple[Client, Container],
) -> None:
    """Read your writes (issue #15): twenty create-then-read pairs, no pause."""
    client, _ = platform
    for n in range(20):
        created = await client.post("/api/consultations", json={
            **NEW, "slug": f"budget-{n}"})
        got = await client.get(created.headers["location"])
        assert got.status_code == 200, (n, got.text)


async def test_a_consultation_not_yet_projected_or_unknown_is_404(
    platform: tuple[Client, Container],
) -> None:
    client, _ = platform
    response = await client.get("/api/consultations/nope")
    assert response.status_code == 404
    assert response.json()["message"] == "Consultation introuvable"


async def test_list_is_keyset_paginated(platform: tuple[Client, Container]) -> None:
    client, _ = platform
    ids = sorted([
        (await client.post("/api/consultations",
                           json={**NEW, "slug": f"projet-{n}"})).json()["id"]
        for n in range(3)
    ])
    await eventually(lambda: client.get(f"/api/consultations/{ids[-1]}"))
    first = (await client.get("/api/consultations", params={"limit": 2})).json()
    rest = (await client.get("/api/consultations",
                             params={"limit": 2, "after": first["next"]})).json()
    assert [c["id"] for c in first["items"] + rest["items"]] == ids
    assert rest["next"] is None


@pytest.mark.parametrize("platform", LOGS, indirect=True)
async def test_health_readiness_and_metrics(platform: tuple[Client, Container]) -> None:
    client, _ = platform
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    ready = await client.get("/readyz")
    assert (ready.status_code, ready.json()) == (200, {"status": "ready"})
    cid = (await client.post("/api/consultations", json=NEW)).json()["id"]
    await eventually(lambda: client.get(f"/api/consultations/{cid}"))

    text = (await client.get("/metrics")).text
    assert 'parlons_events_appended_total{type="consultation.ConsultationCreated"} 1.0' in text
    assert 'parlons_event_append_seconds_count{topic="consultation.events"} 1.0' in text
    projected = re.search(
        r'parlons_events_projected_total\{subscription="consultation.catalogue"\} (\S+)', text)
    assert projected and float(projected[1]) >= 1
    assert 'parlons_consumer_lag{subscription="consultation.catalogue"}' in text
    assert "parlons_handler_errors_total" in text or "parlons_handler_errors" in text


async def test_domain_refusal_is_422_with_a_french_message_and_the_field(
    platform: tuple[Client, Container],
) -> None:
    client, container = platform
    response = await client.post("/api/consultations", json={**NEW, "title": "Ok"})
    assert response.status_code == 422
    body = response.json()
    assert body["field"] == "title"
    assert "Le titre" in body["message"]  # the domain's French message, as is
    assert body["error"]  # the domain's stable code
    missing = await client.post("/api/consultations", json={"title": "Sans adresse"})
    assert (missing.status_code, missing.json()["field"]) == (422, "body.slug")
    assert await created_events(container) == []


async def test_several_refused_fields_are_listed_beside_the_first(
    platform: tuple[Client, Container],
) -> None:
    """ADR 0144: `error`, `message` and `field` stay the first refusal's; `errors`
    lists every one, in order (absent when one field alone is refused)."""
    client, container = platform
    response = await client.post("/api/consultations", json={
        **NEW, "title": "Ok", "slug": "Pas Valide!", "summary": "x" * 2001})
    assert response.status_code == 422
    body = response.json()
    assert (body["error"], body["field"]) == ("too_short", "title")
    assert [(e["field"], e["code"]) for e in body["errors"]] == [
        ("title", "too_short"), ("slug", "invalid_slug"), ("summary", "too_long")]
    assert body["errors"][0]["message"] == body["message"]
    one = await client.post("/api/consultations", json={**NEW, "title": "Ok"})
    assert "errors" not in one.json()
    assert await created_events(container) == []


def _probe_service(event: Callable[[], Envelope], expect: Mapping[str, int] | None = None
                   ) -> ServiceSpec:
    """A test-only service whose endpoint appends whatever event it is given:
    the app factory's extension point, and the error mapping behind it (JSON under
    /api/; a page elsewhere, where a person's form posts)."""

    router = APIRouter()

    @router.post("/api/probe", status_code=201)
    async def probe(state: StateDep) -> dict[str, str]:
        log = state.port("log", EventLog)
        assert log is not None
        await log.append([event()], expect=expect)
        return {"status": "appended"}

    return ServiceSpec(name="probe", router=router)


def _created(slug: str) -> Envelope:
    """A ConsultationCreated built from its schema's own example, slug replaced:
    valid in every respect but the slug we choose."""
    from services.core.schema_registry import SchemaRegistry

    example = SchemaRegistry().schema("consultation.ConsultationCreated", 1)["examples"][0]
    return Envelope(
        type="consultation.ConsultationCreated", schema_version=1, stream="consultation-c-1",
        stream_version=1, data={**example, "slug": slug}, actor=Actor.system(),
        occurred_at=datetime.now(UTC), correlation_id="probe",
    )


async def _with_probe(tmp_path: Path, spec: ServiceSpec, log: EventLog | None = None
                      ) -> tuple[Client, Container]:
    container = bootstrap(settings_for(tmp_path, "memory"), log=log)
    container.services.append(spec)
    return _client(container), container


async def test_a_schema_invalid_event_is_refused_naming_the_field(tmp_path: Path) -> None:
    client, container = await _with_probe(tmp_path, _probe_service(lambda: _created("Pas Un Slug")))
    async with running(container, workers=False), client:
        response = await client.post("/api/probe")
    assert response.status_code == 422
    assert response.json()["field"] == "data.slug"
    assert "data.slug" in response.json()["message"]
    assert await created_events(container) == []


async def test_a_concurrency_conflict_is_409(tmp_path: Path) -> None:
    client, container = await _with_probe(
        tmp_path, _probe_service(lambda: _created("un-slug"), expect={"consultation-c-1": 3}))
    async with running(container, workers=False), client:
        response = await client.post("/api/probe")
    assert response.status_code == 409, response.text
    assert response.json()["error"] == "conflict"


class UnavailableLog(MemoryEventLog):
    """A log whose disk is gone: every append fails, nothing is acknowledged."""

    def __init__(self) -> None:
        super().__init__()
        self.down = True

    async def append(self, events: Sequence[Envelope], *,
                     expect: Mapping[str, int] | None = None) -> list[Recorded]:
        if self.down:
            raise EventLogUnavailable("disk I/O error")
        return await super().append(events, expect=expect)

    async def ping(self) -> None:
        if self.down:
            raise EventLogUnavailable("disk I/O error")


async def test_when_the_log_cannot_write_the_api_answers_503_never_2xx(tmp_path: Path) -> None:
    log = UnavailableLog()
    container = bootstrap(settings_for(tmp_path, "memory"), log=log, store=MemoryReadStore())
    async with running(container), _client(container) as client:
        headers = {"Idempotency-Key": "k-503"}
        failed = await client.post("/api/consultations", json=NEW, headers=headers)
        assert failed.status_code == 503
        assert failed.headers["retry-after"] == "1"
        assert "enregistrée" in failed.json()["message"]
        assert (await client.get("/readyz")).json() == {"status": "unavailable",
                                                         "failed": ["event_log"]}
        assert (await client.get("/api/consultations")).json()["items"] == []

        log.down = False  # the same retry succeeds: a 503 is never stored as the answer
        retried = await client.post("/api/consultations", json=NEW, headers=headers)
        assert retried.status_code == 201
        text = (await client.get("/metrics")).text
        assert 'parlons_event_append_failures_total{reason="unavailable"} 1.0' in text


@pytest.mark.parametrize("platform", LOGS, indirect=True)
async def test_idempotency_key_replays_the_first_answer(
    platform: tuple[Client, Container],
) -> None:
    client, container = platform
    headers = {"Idempotency-Key": "0b6f2c1e-create-budget"}
    first = await client.post("/api/consultations", json=NEW, headers=headers)
    again = await client.post("/api/consultations", json=NEW, headers=headers)

    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["location"] == first.headers["location"]
    assert again.headers["idempotent-replayed"] == "true"
    assert len(await created_events(container)) == 1  # ran once

    other = await client.post("/api/consultations", json={**NEW, "slug": "autre"},
                              headers=headers)
    assert other.status_code == 422
    assert other.json()["error"] == "idempotency_key_reused"
    assert "clé d'idempotence" in other.json()["message"]
    assert len(await created_events(container)) == 1


async def test_concurrent_retries_with_one_key_run_the_command_once(
    platform: tuple[Client, Container],
) -> None:
    client, container = platform
    headers = {"Idempotency-Key": "same-key"}
    answers = await asyncio.gather(*[
        client.post("/api/consultations", json=NEW, headers=headers) for _ in range(5)])
    assert {a.json()["id"] for a in answers} == {answers[0].json()["id"]}
    assert len(await created_events(container)) == 1


async def test_a_new_correlation_id_is_made_when_none_or_a_bad_one_is_given(
    platform: tuple[Client, Container],
) -> None:
    client, _ = platform
    plain = await client.get("/healthz")
    hostile = await client.get("/healthz", headers={"X-Correlation-Id": "a\nb: injected"})
    assert len(plain.headers["x-correlation-id"]) == 36
    assert hostile.headers["x-correlation-id"] not in ("a\nb: injected", "")
    assert plain.headers["x-request-id"] == plain.headers["x-correlation-id"]


async def test_one_key_from_two_callers_is_two_keys(platform: tuple[Client, Container]) -> None:
    """A stored answer is never given to somebody else who happens to reuse the key."""
    client, container = platform
    alice = {"Idempotency-Key": "k-1", "Cookie": "__Host-parlons_session=alice-signed"}
    bob = {"Idempotency-Key": "k-1", "Cookie": "__Host-parlons_session=bob-signed"}
    first = await client.post("/api/consultations", json=NEW, headers=alice)
    assert first.status_code == 201
    replay = await client.post("/api/consultations", json=NEW, headers=alice)
    assert replay.headers.get("idempotent-replayed") == "true"
    other = await client.post("/api/consultations", json=NEW, headers=bob)
    assert "idempotent-replayed" not in other.headers  # ran as bob's own request
    # Both callers act as the one machine principal (the API token): its key names
    # the same consultation (ADR 0078, ids from the actor and the key), which the
    # handler answers from the log -- nothing of alice's stored answer, no second one.
    assert other.json()["id"] == first.json()["id"]
    assert len(await created_events(container)) == 1
