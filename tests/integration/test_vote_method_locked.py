"""A vote phase's method (kinds of vote, threshold, qualifications, ranking length,
identity level, sources) no longer changes once ballots were cast in it, nor once
its results are frozen: a threshold raised from 3 to 50 under 68 ballots, or kinds
dropped from results shown as « définitifs », rewrote what those ballots meant.
Its dates still move while it is not frozen. Through the back office's phases
form, on the embedded platform."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import httpx
from harness.consultations import AGREE, VOTE_CID, open_vote
from harness.forms import admin_client, csrf_header, post_form
from harness.platform import SYSTEM, Platform, participant, session_client, until
from harness.web import catch_up

from services.vote.commands import FreezeResults
from services.vote.projections import TALLIES

PARIS = ZoneInfo("Europe/Paris")
PHASES = f"/admin/consultations/{VOTE_CID}/phases"


def fields(p: Platform, *, threshold: str = "100", kinds: tuple[str, ...] = (
        "deposit", "vote_support", "vote_agree", "vote_ranking"), days: int = 5
           ) -> list[tuple[str, str]]:
    now = p.clock.now().astimezone(PARIS)  # the form's times are Paris's
    at = "phases.0"
    return [(f"{at}.phase_id", "vote"), (f"{at}.kind", "vote"), (f"{at}.title", "Vote"),
            (f"{at}.starts_at", (now - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")),
            (f"{at}.ends_at", (now + timedelta(days=days)).strftime("%Y-%m-%dT%H:%M")),
            *[(f"{at}.actions", k) for k in kinds],
            (f"{at}.vote.support_threshold", threshold), (f"{at}.vote.ranking_max", "5"),
            (f"{at}.vote.identity_level", ""),
            *[(f"{at}.vote.qualifications", q) for q in (
                "coup_de_coeur", "realiste", "impossible", "prioritaire", "a_preciser")]]


async def saved(admin: httpx.AsyncClient, data: list[tuple[str, str]]) -> httpx.Response:
    return await post_form(admin, PHASES, PHASES, data)


async def test_the_method_is_locked_once_a_ballot_is_cast_and_the_dates_are_not(
        platform: Platform) -> None:
    p = platform
    await open_vote(p)
    admin = await admin_client(p)
    try:
        assert (await saved(admin, fields(p, threshold="3"))).status_code == 303  # no ballot yet
        anne = await participant(p, "Anne")
        async with session_client(p, anne) as client:
            r = await client.post("/api/items/item-0/ballot", json=AGREE, headers={
                "Idempotency-Key": "k1", **await csrf_header(client)})
            assert r.status_code == 200, r.text

        async def counted() -> bool:
            return bool(await p.container.store.list(TALLIES, f"{VOTE_CID}|vote", limit=1))
        await until(counted)
        raised = await saved(admin, fields(p, threshold="50"))
        assert raised.status_code == 400 and "Des votes ont déjà été exprimés" in raised.text
        dropped = await saved(admin, fields(p, threshold="3", kinds=("deposit", "vote_support")))
        assert dropped.status_code == 400 and "ne change plus" in dropped.text
        longer = await saved(admin, fields(p, threshold="3", days=8))  # the dates still move
        assert longer.status_code == 303, longer.text
    finally:
        await admin.aclose()
    scheduled = [r.event.data for r in await p.container.log.read("consultation.events")
                 if r.event.type == "consultation.PhasesScheduled"]
    assert [s["phases"][0]["vote"]["support_threshold"] for s in scheduled] == [100, 3, 3]


async def test_a_frozen_phase_keeps_its_method(platform: Platform) -> None:
    p = platform
    await open_vote(p)
    same_dates = fields(p)  # as open_vote scheduled it
    p.clock.advance(timedelta(days=6))  # the phase has ended, no ballot was cast
    assert (await p.container.handle(FreezeResults(VOTE_CID, "vote"), SYSTEM)
            )["status"] == "frozen"
    await catch_up(p.container)
    admin = await admin_client(p)
    try:
        changed = [(k, "6" if k.endswith("support_threshold") else v) for k, v in same_dates]
        refused = await saved(admin, changed)
        assert refused.status_code == 400 and "sont figés" in refused.text
        assert "méthode de vote" in refused.text
        ancient = [(k, "0001-01-01T00:00" if k.endswith("starts_at") else v)
                   for k, v in same_dates]  # compared with the frozen dates: was a 500
        refused = await saved(admin, ancient)
        assert refused.status_code == 400 and "année doit être comprise" in refused.text
        kept = await saved(admin, same_dates)
        assert kept.status_code == 303, [m for m in kept.text.split("\n") if "error" in m]
    finally:
        await admin.aclose()
