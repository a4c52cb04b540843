"""A routed command sent while no replica serves its partition (the replica
restarting, loading its log first): a ballot is dropped once its front stopped
waiting (the front answered 504, and the voter is told to cast it again), but a
Pol.is import, which its front answers « L'import continue », is started by the
replica that comes up within the hour, and finishes the import (ADR 0129).

On a private Tansu broker."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from harness.consultations import open_consultation, open_vote
from harness.platform import SYSTEM, Platform, until
from harness.routing import front, platform_on_a_broker, routed

from services.core.envelope import Actor
from services.core.errors import CommandTimedOut
from services.core.events import Meta
from services.core.participants import ParticipantContext
from services.eventlog.port import read_all
from services.runtime.bootstrap import bootstrap
from services.runtime.command_processes import service_commands
from services.synthesis.conversations.handlers import ImportConversation
from services.synthesis.opinions import TOPIC as SYNTHESIS
from services.synthesis.polis.staging import stage_export
from services.vote.commands import CastBallot

pytestmark = pytest.mark.kafka

POLIS = Path(__file__).resolve().parents[1] / "data" / "polis" / "brexit-consensus"
WAIT_S = 1.0  # the fronts' wait for an answer: both commands outlive it
JOIN_S = 60.0  # a replica joining its command group on Tansu


@pytest.fixture
async def platform(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Platform]:
    async with platform_on_a_broker(tmp_path, monkeypatch) as p:
        yield p


async def _imported(p: Platform, cid: str) -> int:
    return len([r async for r in read_all(p.container.log, SYNTHESIS)
                if r.event.data.get("consultation_id") == cid])


async def _ballots(p: Platform, pid: str) -> int:
    return len([r async for r in read_all(p.container.log, "vote.events")
                if r.event.type == "vote.BallotCast" and r.event.data["participant_id"] == pid])


async def test_an_import_sent_before_its_replica_came_up_is_run_a_ballot_is_not(
        platform: Platform) -> None:
    p = platform
    await open_vote(p)
    await open_consultation(p, "c-polis", level="email")
    files = await stage_export(POLIS, p.container.blobs)
    voter = ParticipantContext("p-late", "email")
    async with front(p, WAIT_S) as sender:
        with pytest.raises(CommandTimedOut):  # no replica yet: « L'import continue »
            await sender.handle(ImportConversation("c-polis", files), SYSTEM)
        with pytest.raises(CommandTimedOut):  # no replica yet: a 504
            await sender.handle(CastBallot("item-0", voter, "agree", "agree"),
                                Meta(actor=Actor(id=voter.participant_id, role="participant")))
    assert await _imported(p, "c-polis") == 0

    settings = routed(p, WAIT_S)
    async with contextlib.AsyncExitStack() as replicas:
        for service in ("synthesis_themes", "vote"):
            replica = await replicas.enter_async_context(
                bootstrap(settings, clock=p.clock, services=[service]))
            await replicas.enter_async_context(service_commands(replica, service))

        async def whole() -> bool:
            return await _imported(p, "c-polis") == 1 + 50 + 5312
        await until(whole, timeout=JOIN_S)
        # the vote replica has joined too by now (it answers a ballot sent now)
        async with front(p, 20.0) as sender:
            now = ParticipantContext("p-now", "email")
            done = await sender.handle(
                CastBallot("item-0", now, "agree", "agree"),
                Meta(actor=Actor(id=now.participant_id, role="participant")))
            assert done["status"] == "recorded"
    assert await _ballots(p, "p-late") == 0  # dropped: its voter was told to cast it again
    assert await _ballots(p, "p-now") == 1
