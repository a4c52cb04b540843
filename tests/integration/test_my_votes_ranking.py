"""« Mes votes » shows the participant's ranking (before: supports, agree votes
and budget ballots only; the ranking was in the JSON export alone): its phase,
the ranked items' titles in order, and a link to change it while the phase is
open; once closed, no link."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from harness.consultations import VOTE_CID, open_vote
from harness.forms import post_form
from harness.platform import Platform, open_platform, participant, session_client, until

from services.consultation.queries import CONSULTATIONS
from services.core.values import iso
from services.store.memory import MemoryReadStore
from services.web.vote.pages import my_rankings


@pytest.fixture
async def platform(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Platform]:
    async with open_platform(tmp_path, monkeypatch) as p:
        await open_vote(p)
        yield p


async def test_my_votes_lists_the_ranking_in_order_with_a_link_to_change_it(
        platform: Platform) -> None:
    form = f"/vote/{VOTE_CID}/classement"
    async with session_client(platform, await participant(platform, "Anne")) as client:
        r = await post_form(client, form, form, {"rang-1": "item-2", "rang-2": "item-0",
                                                 "rang-3": "item-1"})
        assert r.status_code == 303, r.text

        async def listed() -> str:
            page = (await client.get("/mes-votes")).text
            return page if "Mon classement" in page else ""
        await until(listed)
        page = await listed()
    assert "pas encore voté" not in page
    ranking = page.split("Mon classement", 1)[1].split("</ol>", 1)[0]
    assert ": Vote</h2>" in ranking and "Le vélo en ville" in ranking
    assert re.findall(r"<li>([^<]+)</li>", ranking) == [
        "Proposition 2", "Proposition 0", "Proposition 1"]
    assert f'href="/vote/{VOTE_CID}/classement">Modifier mon classement</a>' in page


async def test_a_ranking_of_a_closed_phase_is_shown_without_a_link() -> None:
    store = MemoryReadStore()
    now = datetime.now(UTC)
    async with store.transaction() as tx:
        await tx.put(CONSULTATIONS, "all", "c1", {"id": "c1", "title": "Budget", "phases": [
            {"phase_id": "v1", "kind": "vote", "title": "Premier vote",
             "actions": ["vote_ranking"], "starts_at": iso(now - timedelta(days=3)),
             "ends_at": iso(now - timedelta(days=1))}]})
    [shown] = await my_rankings(store, [
        {"kind": "ranking", "consultation_id": "c1", "phase_id": "v1", "items": ["a", "b"]},
        {"kind": "ranking", "consultation_id": "c1", "phase_id": "v1", "items": []},  # withdrawn
        {"kind": "agree", "consultation_id": "c1", "phase_id": "v1", "item_id": "a"}])
    assert (shown["phase_title"], shown["consultation_title"]) == ("Premier vote", "Budget")
    assert shown["items"] == ["a", "b"] and not shown["changeable"]
