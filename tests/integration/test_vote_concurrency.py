"""One ballot per (item, participant) through two real server processes sharing
one SQLite log: 50 identical concurrent requests for each of 200 pairs, with and
without the application-level "already voted?" check; recount shows no
difference. Runs `parlons serve` twice over uvicorn (one with the workers)."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp
import httpx
import pytest
from test_first_flow import Parlons, free_port, processes, wait_until

from services.consultation.commands import (
    CreateConsultation,
    PhaseSpec,
    PublishConsultation,
    SchedulePhases,
)
from services.core.envelope import Actor
from services.core.events import Meta
from services.core.participants import ParticipantContext
from services.deposit.commands import SubmitProposal
from services.runtime.bootstrap import bootstrap
from services.runtime.cli import rebuild
from services.runtime.settings import Settings
from services.vote.recount import compare, read_all

__all__ = ["processes"]  # the fixture, imported for this module
pytestmark = pytest.mark.slow  # about 30 s per variant on 2 cores
CID = "c-vote"
ITEMS, VOTERS, COPIES = 20, 10, 50
# 200 (item, participant) pairs


async def seed(data: Path, n_items: int = ITEMS) -> list[str]:
    """A published consultation whose open phase accepts proposals and votes, and
    `n_items` published proposals, all projected before the servers start."""
    container = bootstrap(Settings(data_dir=data))
    now = datetime.now(UTC)
    meta = Meta(Actor("organiser-1", "organiser"))
    async with container:
        await container.handle(CreateConsultation(CID, "Vote", "vote"), meta)
        await container.handle(SchedulePhases(CID, (PhaseSpec(
            "vote", "vote", "Vote", now - timedelta(hours=1), now + timedelta(days=1),
            actions=("deposit", "vote_support", "vote_agree", "vote_ranking")),)), meta)
        await container.handle(PublishConsultation(CID), meta)
        for p in ("consultation.catalogue",):
            await rebuild(container, p)
        items = []
        for n in range(n_items):
            item = f"item-{n:03d}"
            await container.handle(SubmitProposal(
                item, CID, ParticipantContext(f"author-{n}"), f"Proposition {n}",
                "Une proposition assez longue pour passer."), meta)
            items.append(item)
        for p in container.projections:
            await rebuild(container, p.name)
    return items


async def hammer(urls: list[str], items: list[str]) -> Counter[int]:
    """Every copy of every pair, 64 at a time, alternating between the servers
    (aiohttp: httpx cost more CPU per request than the servers on 2 cores)."""
    statuses: Counter[int] = Counter()
    errors: list[str] = []
    connector = aiohttp.TCPConnector(limit=64)
    async with aiohttp.ClientSession(connector=connector,
                                     timeout=aiohttp.ClientTimeout(total=60)) as client:
        sem = asyncio.Semaphore(64)

        async def one(n: int, item: str, voter: str) -> None:
            async with sem, client.post(
                    f"{urls[n % 2]}/api/items/{item}/ballot",
                    json={"kind": "agree", "choice": "agree"},
                    headers={"X-Participant-Id": voter,
                             "Idempotency-Key": f"{item}-{voter}-{n}"}) as r:
                statuses[r.status] += 1
                if r.status != 200:
                    errors.append(await r.text())

        await asyncio.gather(*(one(n, item, f"voter-{v}") for item in items
                               for v in range(VOTERS) for n in range(COPIES)))
    assert not errors, (statuses, errors[:3])
    return statuses


@pytest.mark.parametrize("check", ["1", "0"])
def test_two_servers_fifty_identical_requests_one_ballot_per_pair(
        tmp_path: Path, processes: list[Parlons], check: str) -> None:
    items = asyncio.run(seed(tmp_path))
    env = {"PARLONS_DATA_DIR": str(tmp_path), "PARLONS_VOTE_TRUST_PARTICIPANT_HEADER": "1",
           "PARLONS_VOTE_CHECK_EXISTING": check, "PARLONS_LOG_LEVEL": "WARNING",
           "PARLONS_RATE_ACTION_PER_MINUTE": "100000000"}
    urls = []
    for n, extra in enumerate(([], ["--no-workers"])):
        port = free_port()
        proc = Parlons(["serve", "--port", str(port), *extra], env, tmp_path / f"serve{n}.log")
        processes.append(proc)
        url = f"http://127.0.0.1:{port}"
        wait_until(lambda url=url: httpx.get(f"{url}/readyz").status_code == 200,
                   "readiness", processes)
        urls.append(url)
    statuses = asyncio.run(hammer(urls, items))
    assert statuses == Counter({200: ITEMS * VOTERS * COPIES}), statuses

    def projected() -> bool:
        r = httpx.get(f"{urls[0]}/api/consultations/{CID}/phases/vote/results?limit=200")
        docs = r.json()["items"]
        return sum(d["agree"]["agree"] for d in docs) == ITEMS * VOTERS
    wait_until(projected, "tallies projected", processes)
    for p in processes:
        assert p.stop() == 0

    async def check_log() -> None:
        container = bootstrap(Settings(data_dir=tmp_path))
        async with container:
            streams = Counter([r.event.stream async for r in read_all(container.log)
                               if r.event.type == "vote.BallotCast"])
            assert len(streams) == ITEMS * VOTERS
            assert set(streams.values()) == {1}
            assert await compare(container.log, container.store) == []
    asyncio.run(check_log())
