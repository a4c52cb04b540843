"""The remaining vote commands, moderation's and consultation's go to the replica
owning their partition (issue #16 item 1, ADR 0078): two HTTP fronts, each with
its own Kafka log client (its own writer index, as two processes), one vote, one
moderation, one consultation and one synthesis_stats replica, on a private Tansu
broker:

- a ranking sent at once through both fronts with one Idempotency-Key: both
  answer, the log holds one `RankingCast`;
- a moderator's claim and decision through the routed bus hide the proposal;
- the phase's results frozen through one front, then again through the other:
  one `ResultsFrozen`, holding the ranking, the second answered "already_frozen";
- one consultation created at once through both fronts under one id: both
  answer its id, the log holds one `ConsultationCreated`; an article beside it;
- the open-data setting sent through each front in turn: versions 1 and 2 of
  its stream (decided by one writer)."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from harness.consultations import VOTE_CID, open_vote
from harness.forms import csrf_header
from harness.platform import SYSTEM, Platform, participant, until
from harness.routing import answered, decided, distributed, front_client, platform_on_a_broker

from services.consultation.commands import CreateConsultation, PublishConsultation
from services.consultation.content_commands import WriteArticle
from services.core.participants import ModeratorContext
from services.eventlog.port import read_all
from services.moderation.commands import ClaimItem, Decide
from services.runtime.bootstrap import Container
from services.synthesis.opendata.settings import SetOpenDataPublication
from services.vote.commands import FreezeResults

pytestmark = pytest.mark.kafka

JOIN_S = 30.0  # two groups joining on Tansu
TIMEOUT_S = 10.0
MODO = ModeratorContext("p-modo-2")
CREATE = CreateConsultation("c-parcs", "Des parcs pour tous", "parcs")


@pytest.fixture
async def platform(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Platform]:
    async with platform_on_a_broker(tmp_path, monkeypatch) as p:
        yield p


PROBES = (FreezeResults(VOTE_CID, "no-such-phase"), ClaimItem("no-such-item", VOTE_CID, MODO),
          PublishConsultation("no-such-consultation"),
          SetOpenDataPublication("no-such-consultation", daily=True))




async def rank(client: httpx.AsyncClient, key: str, *items: str) -> httpx.Response:
    return await client.post(f"/api/consultations/{VOTE_CID}/ranking",
                             headers={"Idempotency-Key": key, **await csrf_header(client)},
                             json={"items": list(items)})




async def in_the_log(p: Platform) -> Counter[str]:
    counted: Counter[str] = Counter()
    async for rec in read_all(p.container.log, "vote.events"):
        counted[rec.event.type] += 1
    return counted


async def test_rankings_freezes_and_moderation_are_decided_by_their_replicas(
        platform: Platform) -> None:
    p = platform
    await open_vote(p)
    aude = await participant(p, "Aude")
    replicas: list[Container] = []
    async with distributed(p, fronts=2, replicas=1, service=("vote", "moderation", "consultation",
                                                       "synthesis_stats"),
                           timeout_s=TIMEOUT_S, serving=replicas) as fronts:
        await until(lambda: answered(fronts[0], PROBES), timeout=JOIN_S)
        one, two = (front_client(p, f, aude) for f in fronts)
        async with one, two:
            both = await asyncio.gather(rank(one, "k-rank", "item-2", "item-0"),
                                        rank(two, "k-rank", "item-2", "item-0"))
            assert [r.status_code for r in both] == [200, 200], [r.text for r in both]
            assert {r.json()["status"] for r in both} <= {"recorded", "unchanged"}
            assert "recorded" in {r.json()["status"] for r in both}

            await fronts[1].handle(ClaimItem("item-3", VOTE_CID, MODO), SYSTEM)
            await fronts[0].handle(Decide("item-3", VOTE_CID, MODO, "hidden", "hors_sujet"),
                                   SYSTEM)

            async def hidden() -> bool:
                shown = await p.container.store.get("public_state", "all", "item-3")
                return bool(shown and shown.get("decision") == "hidden")
            await until(hidden, timeout=TIMEOUT_S)

            p.clock.advance(timedelta(days=6))  # the vote phase ended
            first = await fronts[0].handle(FreezeResults(VOTE_CID, "vote"), SYSTEM)
            again = await fronts[1].handle(FreezeResults(VOTE_CID, "vote"), SYSTEM)
            assert first["status"] == "frozen" and again == {"status": "already_frozen"}

            # one creation (one id, from its request's key) sent at once through both
            created = await asyncio.gather(*(f.handle(CREATE, SYSTEM) for f in fronts))
            assert created == ["c-parcs", "c-parcs"]
            await fronts[1].handle(WriteArticle("a-parcs", "c-parcs", "Le contexte",
                                                "Des **parcs**."), SYSTEM)
            for f in fronts:  # the open-data setting, once through each front
                await f.handle(SetOpenDataPublication(VOTE_CID, daily=True), SYSTEM)
        voting, moderating, organising, counting = replicas
        assert decided(counting, "SetOpenDataPublication") == 2
        assert decided(voting, "CastRanking") == 2 and decided(voting, "FreezeResults") == 2
        assert decided(moderating, "ClaimItem") == 1 and decided(moderating, "Decide") == 1
        assert decided(organising, "CreateConsultation") == 2
        assert decided(organising, "WriteArticle") == 1
    counted = await in_the_log(p)
    assert (counted["vote.RankingCast"], counted["vote.ResultsFrozen"]) == (1, 1)
    [frozen] = [rec.event async for rec in read_all(p.container.log, "vote.events")
                if rec.event.type == "vote.ResultsFrozen"]
    assert frozen.data["rankings"]["ballots"] == 1, frozen.data["rankings"]
    made = Counter([rec.event.type async for rec in read_all(p.container.log,
                                                              "consultation.events")
                    if rec.event.stream in ("consultation-c-parcs", "article-a-parcs")])
    assert made == {"consultation.ConsultationCreated": 1, "consultation.ArticleWritten": 1}
    versions = [rec.event.stream_version async for rec in read_all(p.container.log,
                                                                    "synthesis.events")
                if rec.event.stream == f"opendata-{VOTE_CID}"]
    assert versions == [1, 2]  # one writer: the second sending saw the first
