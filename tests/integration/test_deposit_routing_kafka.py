"""Deposits go to the deposit replica that owns their contribution's partition
(issue #16 item 1, ADR 0038), through the JSON API of two HTTP fronts, each
with its own Kafka log client (its own writer index, as two processes), on a
private Tansu broker:

- no replica answers in time: 504, and the retry with the same Idempotency-Key
  records the proposal once (the replica skips the command its front gave up on);
- the same proposal sent at once to both fronts with one Idempotency-Key: both
  answer the same contribution, and the log holds one `ProposalSubmitted`;
- an argument decided by the replica on a proposal another writer put in the log
  after the replica last read it (the replica reads the log up to its end first);
- the routed deposit shows on the public page."""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from harness.consultations import open_consultation
from harness.forms import csrf_header
from harness.platform import SYSTEM, Platform, participant, until
from harness.routing import distributed, front, front_client, platform_on_a_broker

from services.core.errors import CommandTimedOut, NotFound
from services.core.participants import ParticipantContext
from services.deposit.commands import SubmitProposal, WithdrawContribution
from services.eventlog.port import read_all
from services.runtime.bootstrap import Container

pytestmark = pytest.mark.kafka

CID = "velo"
JOIN_S = 30.0  # two replicas joining their group on Tansu
PAIRS = 6
TIMEOUT_S = 10.0


@pytest.fixture
async def platform(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Platform]:
    async with platform_on_a_broker(tmp_path, monkeypatch) as p:
        yield p


async def propose(client: httpx.AsyncClient, key: str, title: str) -> httpx.Response:
    return await client.post(f"/api/consultations/{CID}/proposals",
                             headers={"Idempotency-Key": key, **await csrf_header(client)},
                             json={"title": title, "body": "Relier les communes, en sécurité."})


async def answered(front: Container) -> bool:
    """Whether the deposit replica answers yet (its group is joining at first)."""
    with contextlib.suppress(CommandTimedOut):
        try:
            await front.handle(WithdrawContribution("none", ParticipantContext("p-warm-up")),
                               SYSTEM)
        except NotFound:
            return True
    return False


async def proposals_in_the_log(p: Platform) -> Counter[str]:
    counted: Counter[str] = Counter()
    async for rec in read_all(p.container.log, "deposit.events"):
        if rec.event.type == "deposit.ProposalSubmitted":
            counted[rec.event.data["title"]] += 1
    return counted


async def test_deposits_are_decided_once_by_their_partition_s_replica(platform: Platform
                                                                       ) -> None:
    p = platform
    await open_consultation(p, CID, level="email")
    aude = await participant(p, "Aude")
    async with front(p, timeout_s=1.0) as hasty, \
            front_client(p, hasty, aude) as client:  # no deposit replica runs yet
        late = await propose(client, "k-late", "Des pistes cyclables")
    assert late.status_code == 504, late.text
    assert late.headers["retry-after"] == "1"

    async with distributed(p, fronts=2, replicas=2, service="deposit",
                           timeout_s=TIMEOUT_S) as fronts:
        await until(lambda: answered(fronts[0]), timeout=JOIN_S)
        one, two = (front_client(p, f, aude) for f in fronts)
        async with one, two:
            retried = await propose(two, "k-late", "Des pistes cyclables")
            assert retried.status_code == 201, retried.text
            for n in range(PAIRS):  # each pair on one key, at once through both fronts
                both = await asyncio.gather(propose(one, f"k-{n}", f"Des bancs n°{n}"),
                                            propose(two, f"k-{n}", f"Des bancs n°{n}"))
                assert [r.status_code for r in both] == [201, 201], [r.text for r in both]
                assert both[0].json()["id"] == both[1].json()["id"]

            # written by another writer than the replica, after it last read the log
            await p.container.handle(SubmitProposal(
                "p-other", CID, ParticipantContext(aude, "email"), "Des arceaux",
                "Des arceaux devant chaque école."), SYSTEM)
            argued = await two.post("/api/contributions/p-other/arguments",
                                    headers={"Idempotency-Key": "k-arg",
                                             **await csrf_header(two)},
                                    json={"side": "for", "body": "Les enfants viendront à vélo."})
            assert argued.status_code == 201, argued.text

            async def shown() -> bool:
                page = (await one.get(f"/consultations/{CID}/propositions")).text
                return "Des pistes cyclables" in page and "Des bancs n°0" in page
            await until(shown, timeout=TIMEOUT_S)
    assert await proposals_in_the_log(p) == Counter(
        {"Des pistes cyclables": 1, "Des arceaux": 1, **{f"Des bancs n°{n}": 1
                                                         for n in range(PAIRS)}})
