"""The follow-up responses a page at a time, the latest first, on the organiser's
page and the public synthesis; every one in the downloadable report. The first 200
by id only were listed: once there were more, those published last were missing."""

from __future__ import annotations

import re

import pytest
from harness.consultations import open_consultation
from harness.forms import csrf_header, post_form
from harness.platform import Platform, granted, participant, session_client, until

from services.moderation.publication import PUBLIC_PROPOSALS
from services.synthesis.followup.tables import NOTICES
from services.synthesis.runs.corpus import CORPUS
from services.web.synthesis import pages as synthesis_pages
from services.web.synthesis import views as synthesis_views

SUITES = "/admin/consultations/c1/suites"


def titles(html: str) -> list[str]:
    return re.findall(r"Réponse n°(\d)", html)


async def test_every_response_is_reachable_the_latest_first(
        platform: Platform, monkeypatch: pytest.MonkeyPatch) -> None:
    p = platform
    monkeypatch.setattr(synthesis_views, "RESPONSES_PAGE", 2, raising=False)
    await open_consultation(p, "c1", level="email", moderation="post")
    author, orga = await participant(p, "Auteur"), await participant(p, "Orga")
    await granted(p, orga, "c1", "organiser")
    async with session_client(p, author) as client:  # what the responses answer
        r = await client.post("/api/consultations/c1/proposals",
                              headers={**await csrf_header(client), "Idempotency-Key": "k"},
                              json={"title": "Un parc", "body": "Pour tout le quartier."})
        assert r.status_code == 201, r.text
        proposal = r.json()["id"]

    async def answerable() -> bool:  # offered by the form, known to the handler
        store = p.container.store
        return (await store.get(PUBLIC_PROPOSALS, "c1", proposal) is not None
                and await store.get(CORPUS, "c1", proposal) is not None)
    await until(answerable)
    async with session_client(p, orga) as client:
        for n in (1, 2, 3):
            r = await post_form(client, SUITES, SUITES, [
                ("title", f"Réponse n°{n}"), ("body", "Décidé."), ("status", "under_review"),
                ("proposal_ids", proposal)])
            assert r.status_code == 303, r.text[-3000:]
        first = (await client.get(SUITES)).text
        assert titles(first) == ["3", "2"] and f'href="{SUITES}?page=2"' in first
        assert titles((await client.get(f"{SUITES}?page=2")).text) == ["1"]
    public = p.client()
    synthesis = "/consultations/c1/synthese"
    first = (await public.get(synthesis)).text
    assert titles(first) == ["3", "2"] and f'href="{synthesis}?page=2"' in first
    assert titles((await public.get(f"{synthesis}?page=2")).text) == ["1"]
    report = (await public.get(f"{synthesis}/rapport.md")).text
    assert titles(report) == ["3", "2", "1"]


async def test_a_participants_notices_come_a_page_at_a_time_the_latest_first(
        platform: Platform, monkeypatch: pytest.MonkeyPatch) -> None:
    """The latest 100 only were listed. (The notices are seeded in their read model:
    the follow-up's own tests make them through a theme run.)"""
    p = platform
    monkeypatch.setattr(synthesis_pages, "NOTICES_SHOWN", 2, raising=False)
    await open_consultation(p, "c1", level="email")
    who = await participant(p, "Auteur")
    async with p.container.store.transaction() as tx:
        for n in (1, 2, 3):
            at = f"2026-12-0{n}T10:00:00Z"
            await tx.put(NOTICES, who, f"{at}|r{n}|1", {
                "consultation_id": "c1", "response_id": f"r{n}", "title": f"Réponse n°{n}",
                "status": "adopted", "at": at})
    async with session_client(p, who) as client:
        first = (await client.get("/compte/notifications")).text
        assert titles(first) == ["3", "2"]
        [older] = re.findall(r'href="(/compte/notifications\?apres=[^"]+)"', first)
        second = (await client.get(older)).text
        assert titles(second) == ["1"] and "Les plus récentes" in second
        assert "Notifications plus anciennes" not in second
