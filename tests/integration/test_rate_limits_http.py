"""Rate limits per action and identity over HTTP (issue #19 item 3, issue #16
item 4; ADR 0045): the HTML deposit, argument, comment and questionnaire forms
are limited like their JSON routes (a French 429 page with `Retry-After`);
each action counts on its own budget (votes never spend the logins of an
address); `X-Forwarded-For` names the client only behind a trusted proxy."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from harness.consultations import grand_debat, open_consultation, open_vote
from harness.forms import csrf_header, csrf_of, post_form
from harness.platform import SYSTEM, Platform, open_platform, session_client, submitted, until

from services.core.ids import new_id
from services.core.participants import ParticipantContext
from services.deposit.commands import SubmitProposal

LIMIT = 5  # per participant and minute, for each contribution action


@pytest.fixture
async def platform(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Platform]:
    monkeypatch.setenv("PARLONS_RATE_ACTION_PER_MINUTE", str(LIMIT))
    async with open_platform(tmp_path, monkeypatch) as p:
        yield p


async def a_proposal(p: Platform) -> str:
    """Consultation `ville` open (post-moderated) and a proposal shown on it."""
    await open_consultation(p, "ville", level="email")
    await p.container.handle(SubmitProposal(
        "prop-1", "ville", ParticipantContext("p-author", "email"), "Des arbres en ville",
        "Planter des arbres dans chaque rue pour l'ombre en été."), SYSTEM)
    url = "/consultations/ville/propositions/prop-1"

    async def shown() -> bool:
        return (await p.client().get(url)).status_code == 200
    await until(shown)
    return url


def refused_in_french(r: httpx.Response) -> bool:
    return (r.status_code == 429 and 0 < int(r.headers["Retry-After"]) <= 60
            and "Réessayez dans" in r.text and r.headers["content-type"].startswith("text/html"))


@pytest.mark.parametrize("kind", ["commentaires", "arguments"])
async def test_a_burst_on_a_proposal_form_gets_the_french_429_page(
        platform: Platform, kind: str) -> None:
    """40 comments in 9 s were all accepted."""
    p = platform
    url = await a_proposal(p)
    async with session_client(p, "p-talkative") as client:
        token = csrf_of((await client.get(url)).text)
        answers = [await client.post(f"{url}/{kind}", data={
            "csrf_token": token, "cle": new_id(), "side": "for",
            "body": f"Mon avis numéro {n} sur cette proposition."}) for n in range(12)]
    assert [r.status_code for r in answers[:LIMIT]] == [303] * LIMIT
    assert all(refused_in_french(r) for r in answers[LIMIT:])
    await until(lambda: _count(p, LIMIT + 1))  # the proposal and the accepted ones
    assert len(await submitted(p.container)) == LIMIT + 1


async def _count(p: Platform, n: int) -> bool:
    return len(await submitted(p.container)) >= n


async def test_the_proposal_form_is_limited(platform: Platform) -> None:
    p = platform
    await open_consultation(p, "ville", level="email")
    page = "/consultations/ville/propositions/nouvelle"
    async with session_client(p, "p-prolific") as client:
        token = csrf_of((await client.get(page)).text)
        statuses = [(await client.post(page, data={
            "csrf_token": token, "cle": new_id(), "title": f"Proposition {n}",
            "body": "Une proposition assez longue pour être acceptée."})).status_code
            for n in range(LIMIT + 2)]
    assert statuses == [303] * LIMIT + [429, 429]


async def test_the_questionnaire_form_is_limited_but_not_its_steps(platform: Platform) -> None:
    p = platform
    await grand_debat(p.container, "gd", "grand-debat")
    page = "/consultations/grand-debat/questionnaires/fiscalite/repondre"
    await until(lambda: _shown(p, page))
    async with session_client(p, "p-repeater") as client:
        token = csrf_of((await client.get(page)).text)
        steps = [(await client.post(page, data={"csrf_token": token, "cle": new_id(),
                                                "etape": "continuer"})).status_code
                 for _ in range(LIMIT + 2)]
        assert 429 not in steps  # « Continuer » sends nothing: it is not counted
        sent = [await client.post(page, data={"csrf_token": token, "cle": new_id(),
                                              "etape": "envoyer"}) for _ in range(LIMIT + 2)]
    assert 429 not in [r.status_code for r in sent[:LIMIT]]
    assert all(refused_in_french(r) for r in sent[LIMIT:])


async def _shown(p: Platform, page: str) -> bool:
    async with session_client(p, "p-look") as client:
        return (await client.get(page)).status_code == 200


async def test_votes_from_an_address_leave_its_logins_alone(platform: Platform) -> None:
    """After 10 votes from an address, every login from it got 429 for an hour."""
    p = platform
    await open_vote(p)
    async with session_client(p, "p-voter") as voter:
        headers = await csrf_header(voter)
        statuses = []
        for n in range(LIMIT + 3):
            r = await voter.post(f"/api/items/item-{n % 4}/ballot",
                                 json={"kind": "agree", "choice": ["agree", "disagree"][n % 2]},
                                 headers={**headers, "Idempotency-Key": f"v{n}"})
            statuses.append(r.status_code)
        assert statuses[-1] == 429, statuses
    visitor = p.client()  # the same address: every test client is 127.0.0.1
    r = await post_form(visitor, "/connexion", "/connexion", {"email": "eve@exemple.fr"})
    assert r.status_code == 200, r.text[:300]
    r = await post_form(visitor, "/inscription", "/inscription",
                        {"email": "fred@exemple.fr", "pseudonym": "fred"})
    assert r.status_code in (200, 303), r.text[:300]
