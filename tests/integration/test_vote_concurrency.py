"""One ballot per (item, participant) through two real server processes sharing
one SQLite log: 50 identical concurrent requests for each of 200 pairs, with and
without the application-level "already voted?" check; recount shows no
difference. Runs `parlons serve` twice over uvicorn (one with the workers)."""

from __future__ import annotations

import asyncio
from collections import Counter
from pathlib import Path

import aiohttp
import httpx
import pytest
from harness.processes import SEEDED_VOTE, Parlons, seed_vote, start_serves, wait_until

from services.runtime.bootstrap import bootstrap
from services.runtime.settings import Settings
from services.vote.recount import compare, read_all

pytestmark = pytest.mark.slow  # about 30 s per variant on 2 cores
ITEMS, VOTERS, COPIES = 20, 10, 50
# 200 (item, participant) pairs


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
    items = asyncio.run(seed_vote(tmp_path, ITEMS))
    env = {"PARLONS_DATA_DIR": str(tmp_path), "PARLONS_VOTE_TRUST_PARTICIPANT_HEADER": "1",
           "PARLONS_VOTE_CHECK_EXISTING": check, "PARLONS_LOG_LEVEL": "WARNING",
           "PARLONS_RATE_ACTION_PER_MINUTE": "100000000"}
    urls = [url for _, url in start_serves(processes, env, [
        (tmp_path / f"serve{n}.log", extra) for n, extra in enumerate(([], ["--no-workers"]))])]
    statuses = asyncio.run(hammer(urls, items))
    assert statuses == Counter({200: ITEMS * VOTERS * COPIES}), statuses

    def projected() -> bool:
        r = httpx.get(f"{urls[0]}/api/consultations/{SEEDED_VOTE}/phases/vote/results?limit=200")
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
