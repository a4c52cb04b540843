"""A ballot is decided on its own history in the log, never on the lagging ballots
read model (issue #15, ADR 0030): a withdrawal sent right after its cast withdraws
it, a re-cast right after a withdrawal records it, through the JSON API with no
pause between the calls; every answer and every final state agrees with the log,
and the tallies, once projected, with the recount. Both topologies: the SQLite
log, and Kafka (a private Tansu broker: the ids of the vote world are fixed, so
it wants a log of its own). One platform and vote world per topology for the
module, each test with its own voter (ballot streams are per participant):
starting Parlons on Kafka, its twenty consumer groups joining, is most of a
test's time."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import pytest_asyncio
from harness.consultations import AGREE, open_vote
from harness.forms import csrf_header
from harness.platform import Platform, open_platform, participant, session_client, until
from tansu import Tansu

from services.core.schema_registry import SchemaRegistry
from services.eventlog.kafka import provision_topics
from services.vote import model
from services.vote.recount import compare

ROUNDS = 30
# The tallies' projection catching up is not what these tests decide on: on Kafka a
# consumer group may still be joining (twenty of them start in this process).
CATCH_UP_S = 60.0

pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest_asyncio.fixture(scope="module", loop_scope="module",
                        params=["sqlite", pytest.param("kafka", marks=pytest.mark.kafka)])
async def platform(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
                   ) -> AsyncIterator[Platform]:
    """The platform of one topology with the vote world open (item-0 votable)."""
    tmp_path = tmp_path_factory.mktemp(f"vote-truth-{request.param}")
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setenv("PARLONS_RATE_ACTION_PER_MINUTE", "1000")  # 120 calls in a burst
        if request.param == "sqlite":
            async with open_platform(tmp_path, monkeypatch) as p:
                await open_vote(p)
                yield p
            return
        with Tansu() as broker:
            provision_topics(broker.bootstrap, SchemaRegistry().topics, cap_replication=True)
            async with open_platform(tmp_path, monkeypatch, broker.bootstrap) as p:
                await open_vote(p)
                yield p


async def ballot(client: httpx.AsyncClient, headers: dict[str, str], key: str,
                 action: str = "ballot", body: dict[str, Any] = AGREE) -> str:
    r = await client.post(f"/api/items/item-0/{action}",
                          json=body if action == "ballot" else {"kind": body["kind"]},
                          headers={"Idempotency-Key": key, **headers})
    assert r.status_code == 200, r.text
    status: str = r.json()["status"]
    return status


async def in_the_log(p: Platform, pid: str) -> dict[str, Any] | None:
    stream = model.ballot_stream("vote", "agree", "item-0", pid)
    return model.ballot_of(await p.container.log.read_stream(stream))


async def test_cast_then_withdraw_thirty_times_without_a_pause(platform: Platform) -> None:
    p = platform
    voter = await participant(p, "Aude")
    async with session_client(p, voter) as client:
        h = await csrf_header(client)
        for n in range(ROUNDS):
            assert await ballot(client, h, f"c{n}") == "recorded", n
            assert await ballot(client, h, f"w{n}", "ballot/withdraw") == "withdrawn", n
            assert (await in_the_log(p, voter) or {}).get("withdrawn") is True, n
    await until(lambda: _agrees(p), timeout=CATCH_UP_S)


async def test_cast_withdraw_cast_thirty_times_without_a_pause(platform: Platform) -> None:
    p = platform
    voter = await participant(p, "Basile")
    async with session_client(p, voter) as client:
        h = await csrf_header(client)
        for n in range(ROUNDS):
            assert await ballot(client, h, f"a{n}") == "recorded", n
            assert await ballot(client, h, f"w{n}", "ballot/withdraw") == "withdrawn", n
            assert await ballot(client, h, f"b{n}") == "recorded", n
            last = await in_the_log(p, voter)
            assert last is not None and not last["withdrawn"] and last["choice"] == "agree", n
            assert await ballot(client, h, f"z{n}", "ballot/withdraw") == "withdrawn", n
    await until(lambda: _agrees(p), timeout=CATCH_UP_S)


async def _agrees(p: Platform) -> bool:
    """The projected tallies equal the recount from the log (all caught up)."""
    lags = [await w.lag() for w in list(p.container.built_workers)]
    return not any(lags) and not await compare(p.container.log, p.container.store)
