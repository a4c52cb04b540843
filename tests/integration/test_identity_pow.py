"""Anonymous participation: refused where the consultation requires an identity
level; behind a proof-of-work challenge (or the no-JS wait) when the
consultation turns it on in its back office."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from harness.consultations import draft_consultation, open_consultation, propose
from harness.forms import csrf_header, csrf_of
from harness.platform import Platform, open_platform, session_client, submitted

from services.identity.pow import solve
from services.identity.queries import proof_of_work_required

BITS = 8


@pytest.fixture
async def platform(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Platform]:
    monkeypatch.setenv("PARLONS_POW_DIFFICULTY_BITS", str(BITS))
    monkeypatch.setenv("PARLONS_POW_WAIT_SECONDS", "30")
    async with open_platform(tmp_path, monkeypatch) as p:
        yield p


async def switch_on(p: Platform, cid: str) -> None:
    """Through the back office, as the bootstrap admin."""
    async with session_client(p, "orga", kind="admin") as admin:
        page = await admin.get(f"/admin/equipe/{cid}")
        assert "anti-robot" in page.text
        r = await admin.post(f"/admin/equipe/{cid}/anti-robot",
                             data={"csrf_token": csrf_of(page.text), "actif": "oui"})
        assert r.status_code == 303
    assert await proof_of_work_required(p.container.store, cid)


def opened_session(r: httpx.Response) -> bool:
    return r.status_code == 303 and "parlons_session=" in r.headers.get("set-cookie", "")


async def anonymous(client: httpx.AsyncClient, cid: str, **fields: str) -> httpx.Response:
    page = await client.get("/connexion")  # any form carries this browser's CSRF token
    return await client.post("/participer/anonyme", data={
        "csrf_token": csrf_of(page.text), "consultation": cid, "suite": "/", **fields})


def challenge_of(html: str) -> str:
    found = re.search(r'data-pow-challenge="([^"]+)"', html)
    assert found, "no challenge on the page"
    return found.group(1)


async def test_without_the_switch_an_anonymous_session_opens_directly(platform: Platform) -> None:
    cid = await draft_consultation(platform)
    assert opened_session(await anonymous(platform.client(), cid))


async def test_with_the_switch_no_or_a_wrong_solution_is_refused(platform: Platform) -> None:
    p = platform
    cid = await draft_consultation(p)
    await switch_on(p, cid)
    client = p.client()
    page = await client.get(f"/participer/anonyme?consultation={cid}")
    assert page.status_code == 200 and '<script src="/static/js/pow.js" defer>' in page.text
    assert "<script>" not in page.text  # strict CSP: no inline script
    js = await client.get("/static/js/pow.js")
    assert js.status_code == 200 and "crypto.subtle" in js.text
    refused = await anonymous(client, cid)
    assert refused.status_code == 400 and "anti-robot" in refused.text
    assert "parlons_session=" not in refused.headers.get("set-cookie", "")
    challenge = challenge_of(page.text)
    wrong = next(str(n) for n in range(10_000) if solve(challenge, BITS) != str(n))
    bad = await anonymous(client, cid, pow_challenge=challenge, pow_nonce=wrong)
    assert bad.status_code == 400
    forged = await anonymous(client, cid, pow_challenge=challenge.replace(".", "x.", 1),
                             pow_nonce=solve(challenge, BITS))
    assert forged.status_code == 400


async def test_with_the_switch_a_solution_is_accepted_once(platform: Platform) -> None:
    p = platform
    cid = await draft_consultation(p)
    await switch_on(p, cid)
    client = p.client()
    challenge = challenge_of((await client.get(f"/participer/anonyme?consultation={cid}")).text)
    nonce = solve(challenge, BITS)
    assert opened_session(await anonymous(client, cid, pow_challenge=challenge, pow_nonce=nonce))
    again = await anonymous(p.client(), cid, pow_challenge=challenge, pow_nonce=nonce)
    assert again.status_code == 400


async def test_without_javascript_waiting_then_posting_again_works(platform: Platform) -> None:
    p = platform
    cid = await draft_consultation(p)
    await switch_on(p, cid)
    client = p.client()
    page = await client.get(f"/participer/anonyme?consultation={cid}")
    ticket = re.search(r'name="attente" value="([^"]+)"', page.text)
    assert ticket and "patientez 30 secondes" in page.text.lower()
    early = await anonymous(client, cid, attente=ticket.group(1))
    assert early.status_code == 400 and "Patientez" in early.text
    assert ticket.group(1) in early.text  # the same ticket: the wait goes on
    p.clock.advance(timedelta(seconds=31))
    assert opened_session(await anonymous(client, cid, attente=ticket.group(1)))
    replay = await anonymous(client, cid, attente=ticket.group(1))
    # refused: single use, and within the wait one redemption per client (ADR 0046)
    assert replay.status_code in (400, 429) and not opened_session(replay)


async def test_a_consultation_requiring_an_email_refuses_anonymous_sessions(
        platform: Platform) -> None:
    cid = await draft_consultation(platform, level="email")
    client = platform.client()
    page = await client.get(f"/participer/anonyme?consultation={cid}")
    assert page.status_code == 403 and "adresse électronique" in page.text
    r = await anonymous(client, cid)
    assert r.status_code == 403 and "parlons_session=" not in r.headers.get("set-cookie", "")


async def test_a_proof_made_elsewhere_does_not_open_a_consultation_that_asks_for_one(
        platform: Platform) -> None:
    """The proof is bound to its consultation: an anonymous session opened without
    naming one, or for another, cannot deposit (web form or API) nor vote where
    the proof is on, until it solves that consultation's own challenge; the
    session keeps its participant id across consultations."""
    p = platform
    await open_consultation(p, "libre", level="anonymous")
    await open_consultation(p, "gardee", level="anonymous")
    await switch_on(p, "gardee")
    async with session_client(p, None) as client:
        assert opened_session(await anonymous(client, ""))  # no consultation named: no proof
        headers = await csrf_header(client)
        assert (await propose(client, "libre", "k1", headers)).status_code == 201
        refused = await propose(client, "gardee", "k2", headers)
        assert refused.status_code == 422, refused.text
        assert refused.json()["error"] == "proof_of_work_required"
        assert "anti-robot" in refused.json()["message"]
        form = await client.get("/consultations/gardee/propositions/nouvelle")
        posted = await client.post("/consultations/gardee/propositions/nouvelle", data={
            "csrf_token": csrf_of(form.text), "title": "Des bancs", "body": "Partout."})
        assert posted.status_code in (400, 422) and "anti-robot" in posted.text
        me = (await client.get("/api/session")).json()["participant_id"]
        challenge = challenge_of(
            (await client.get("/participer/anonyme?consultation=gardee")).text)
        assert opened_session(await anonymous(client, "gardee", pow_challenge=challenge,
                                              pow_nonce=solve(challenge, BITS)))
        assert (await client.get("/api/session")).json()["participant_id"] == me  # kept
        headers = await csrf_header(client)
        assert (await propose(client, "gardee", "k3", headers)).status_code == 201
        assert (await propose(client, "libre", "k4", headers)).status_code == 201
    authors = {e.data["author_id"] for e in await submitted(p.container)}
    assert len(authors) == 1
