"""Deposit and moderation over HTTP: `create_app` + projection workers on the
SQLite event log and read store. Every bad input gets a clear French error and
stores nothing; a pre-moderated proposal shows once approved, with its arguments."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import Header
from harness.consultations import grand_debat
from harness.platform import polled

from services.apikit.deps import moderator_context, participant_context
from services.core.participants import ModeratorContext, ParticipantContext
from services.runtime.app import create_app
from services.runtime.bootstrap import Container, bootstrap
from services.runtime.runner import running
from services.runtime.settings import Settings


def header_participant(x_participant: str = Header(), x_level: str = Header("anonymous")
                       ) -> ParticipantContext:
    """Tests only: anyone can forge a header."""
    return ParticipantContext(x_participant, x_level)


def header_moderator(x_moderator: str = Header()) -> ModeratorContext:
    return ModeratorContext(x_moderator)


@pytest.fixture
async def platform(tmp_path: Path) -> AsyncIterator[tuple[httpx.AsyncClient, Container]]:
    container = bootstrap(Settings(event_log="sqlite", read_store="sqlite", data_dir=tmp_path,
                                   worker_poll_timeout=0.05, worker_backoff_base=0.01))
    async with running(container):
        app = create_app(container)
        app.dependency_overrides[participant_context] = header_participant
        app.dependency_overrides[moderator_context] = header_moderator
        await grand_debat(container, "gd", "grand-debat", moderation="pre")
        await grand_debat(container, "later", "plus-tard", moderation="post",
                          opens_in=timedelta(days=30))
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                     base_url="http://parlons.test") as client:
            await polled(lambda: client.get("/api/consultations/gd"), lambda r: r.is_success)
            await polled(lambda: client.get("/api/consultations/later"), lambda r: r.is_success)
            await asyncio.sleep(0.3)  # the questionnaire projection
            yield client, container


async def claim(client: httpx.AsyncClient, item_id: str, mod: dict[str, str]) -> None:
    """Claim, then wait for the queue's read model to show it (decisions read it)."""
    assert (await client.post(f"/api/moderation/items/{item_id}/claim",
                              headers=mod)).status_code == 204
    await polled(lambda: client.get(f"/api/moderation/items/{item_id}", headers=mod),
                 lambda r: r.json()["claimed_by"] == mod["X-Moderator"])


def as_(who: str, key: str) -> dict[str, str]:
    return {"X-Participant": who, "Idempotency-Key": key}


async def deposit_count(container: Container) -> int:
    """Contributions submitted (not the Idempotency-Key records beside them)."""
    return len([r for r in await container.log.read("deposit.events", limit=100_000)
                if r.event.type.endswith("Submitted")])


RESPONSES = "/api/consultations/gd/questionnaires/fiscalite/responses"
GOOD = {"answers": {"impots": {"option_ids": ["oui"]}, "lesquels": {"text": "La TVA."}}}


@pytest.mark.parametrize(("url", "body", "code", "field"), [
    (RESPONSES, {"answers": {}}, "answer_required", "answers.impots"),
    (RESPONSES, {"answers": {"impots": {"option_ids": ["non"]}, "lesquels": {"text": "x"}}},
     "question_not_shown", "answers.lesquels"),
    (RESPONSES, {"answers": {**GOOD["answers"], "inconnue": {"text": "x"}}},
     "unknown_question", "answers.inconnue"),
    (RESPONSES, {"answers": {"impots": {"option_ids": ["peut-etre"]}}}, "unknown_option",
     "answers.impots"),
    (RESPONSES, {"answers": {"impots": {"option_ids": ["oui"]}, "lesquels": {"text": "t" * 301}}},
     "answer_too_long", "answers.lesquels"),
    ("/api/consultations/gd/proposals", {"title": "Un titre", "body": "b" * 5001}, "too_long",
     "body"),
    ("/api/consultations/later/proposals", {"title": "Un titre", "body": "Un texte correct."},
     "phase_closed", "phase"),
])
async def test_bad_input_gets_a_clear_error_and_stores_nothing(
        platform: tuple[httpx.AsyncClient, Container], url: str, body: dict[str, Any],
        code: str, field: str) -> None:
    client, container = platform
    before = await deposit_count(container)
    response = await client.post(url, json=body, headers=as_("p-alice", f"k-{code}"))
    assert response.status_code == 422, response.text
    assert response.json()["error"] == code and response.json()["field"] == field
    assert response.json()["message"]  # French, for the participant
    assert await deposit_count(container) == before


async def test_a_second_response_and_a_reused_key_are_refused(
        platform: tuple[httpx.AsyncClient, Container]) -> None:
    client, container = platform
    first = await client.post(RESPONSES, json=GOOD, headers=as_("p-alice", "key-1"))
    assert first.status_code == 201, first.text
    retry = await client.post(RESPONSES, json=GOOD, headers=as_("p-alice", "key-1"))
    assert retry.json() == first.json() and retry.headers["idempotent-replayed"] == "true"
    second = await client.post(RESPONSES, json=GOOD, headers=as_("p-alice", "key-2"))
    assert second.status_code == 422 and second.json()["error"] == "already_answered"
    other = {"answers": {"impots": {"option_ids": ["non"]}}}
    reused = await client.post(RESPONSES, json=other, headers=as_("p-bob", "key-1"))
    assert reused.status_code == 422 and reused.json()["error"] == "idempotency_key_reused"
    assert await deposit_count(container) == 1
    missing = await client.post(RESPONSES, json=GOOD, headers={"X-Participant": "p-carl"})
    assert missing.status_code == 422


async def test_pre_moderated_proposal_is_approved_then_public_with_its_arguments(
        platform: tuple[httpx.AsyncClient, Container]) -> None:
    client, _ = platform
    created = await client.post("/api/consultations/gd/proposals", headers=as_("p-alice", "p1"),
                                json={"title": "Des pistes cyclables",
                                      "body": "Relier les villages par des pistes sûres."})
    assert created.status_code == 201, created.text
    pid = created.json()["id"]
    mod = {"X-Moderator": "p-anne"}
    queue = await polled(lambda: client.get("/api/moderation/consultations/gd/queue",
                                            headers=mod), lambda r: bool(r.json()["items"]))
    assert [i["id"] for i in queue.json()["items"]] == [pid]
    public = await client.get("/api/consultations/gd/proposals")
    assert public.json()["items"] == []  # pre-moderation: hidden until approved
    await claim(client, pid, mod)
    decided = await client.post(f"/api/moderation/items/{pid}/decision", headers=mod,
                                json={"decision": "approved", "reason_code": "conforme"})
    assert decided.status_code == 204, decided.text
    await polled(lambda: client.get("/api/consultations/gd/proposals"),
                 lambda r: bool(r.json()["items"]))
    argued = await polled(lambda: client.post(f"/api/contributions/{pid}/arguments",
                                              headers=as_("p-bob", "a1"),
                                              json={"side": "for", "body": "Plus sûr."}),
                          lambda r: r.status_code == 201)
    aid = argued.json()["id"]
    await polled(lambda: client.get("/api/moderation/consultations/gd/queue", headers=mod),
                 lambda r: aid in {i["id"] for i in r.json()["items"]})
    await claim(client, aid, mod)
    await client.post(f"/api/moderation/items/{aid}/decision", headers=mod,
                      json={"decision": "approved"})
    page = await polled(lambda: client.get("/api/consultations/gd/proposals"),
                        lambda r: r.json()["items"][0]["counts"]["for"] == 1)
    [proposal] = page.json()["items"]
    assert proposal["arguments"]["for"][0]["body"] == "Plus sûr."
    mine = await client.get("/api/me/contributions", headers={"X-Participant": "p-alice"})
    assert [c["id"] for c in mine.json()["items"]] == [pid]
    forbidden = await client.get("/api/moderation/consultations/gd/queue")
    assert forbidden.status_code == 422  # no moderator header: refused


async def test_a_phone_number_in_a_proposal_is_masked_at_deposit_and_flagged(
        platform: tuple[httpx.AsyncClient, Container]) -> None:
    client, container = platform
    created = await client.post("/api/consultations/gd/proposals", headers=as_("p-alice", "t1"),
                                json={"title": "Covoiturage",
                                      "body": "Contactez-moi au 06 12 34 56 78 ou a@b.fr."})
    pid = created.json()["id"]
    item = await polled(lambda: client.get(f"/api/moderation/items/{pid}",
                                           headers={"X-Moderator": "p-anne"}),
                        lambda r: r.is_success and bool(r.json()["suggestions"]))
    [s] = item.json()["suggestions"]
    assert s["code"] == "personal_data" and "retirées au dépôt" in s["explanation"]
    [written] = [r.event for r in await container.log.read("deposit.events")
                 if r.event.type == "deposit.ProposalSubmitted" and r.event.stream.endswith(pid)]
    assert written.data["body"] == "Contactez-moi au [téléphone masqué] ou [courriel masqué]."
