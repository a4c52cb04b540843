"""Ballots go to the vote replica that owns their item's partition (issue #16,
ADR 0035): two HTTP fronts, each with its own Kafka log client (its own writer
index, as two processes), send identical ballots concurrently; two vote replicas
share the command topic's partitions. Exactly one ballot event per
(participant, item) reaches the log, and every answer is a success.

On a private Tansu broker (the test reads the whole vote topic). PAIRS pairs by
default; PARLONS_ROUTING_PAIRS=100 for the issue's hundred."""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from harness.consultations import open_vote
from harness.platform import Platform, until
from harness.routing import distributed, platform_on_a_broker

from services.core.envelope import Actor
from services.core.errors import CommandTimedOut
from services.core.events import Meta
from services.core.participants import ParticipantContext
from services.eventlog.port import read_all
from services.runtime.bootstrap import Container
from services.vote.commands import CastBallot

pytestmark = pytest.mark.kafka

PAIRS = int(os.environ.get("PARLONS_ROUTING_PAIRS", "10"))
COPIES = 40  # identical ballots per pair, half through each front
ITEMS = ("item-0", "item-1", "item-2", "item-3")
JOIN_S = 60.0  # two replicas joining one group on Tansu
# Forty ballots of one item are decided one after the other by its partition's
# owner; on a loaded two-core machine that can take seconds.
COMMAND_TIMEOUT_S = 20.0


async def cast(front: Container, who: ParticipantContext, item: str) -> dict[str, Any]:
    result: dict[str, Any] = await front.handle(
        CastBallot(item, who, "agree", "agree"),
        Meta(actor=Actor(id=who.participant_id, role="participant")))
    return result


async def cast_until_answered(front: Container, who: ParticipantContext,
                              item: str) -> dict[str, Any]:
    """What a client does with a 504: the same ballot again (its outcome was
    unknown, and casting it again is safe)."""
    for _ in range(5):
        with contextlib.suppress(CommandTimedOut):
            return await cast(front, who, item)
    raise AssertionError("five timeouts in a row")


async def answered(front: Container, who: ParticipantContext) -> bool:
    """Whether the replicas answer yet (their group is still joining at first)."""
    with contextlib.suppress(CommandTimedOut):
        return (await cast(front, who, ITEMS[0]))["status"] in ("recorded", "unchanged")
    return False


async def ballots_in_the_log(p: Platform) -> Counter[tuple[str, str]]:
    counted: Counter[tuple[str, str]] = Counter()
    async for rec in read_all(p.container.log, "vote.events"):
        if rec.event.type == "vote.BallotCast":
            data = rec.event.data
            counted[(data["participant_id"], data["item_id"])] += 1
    return counted


@pytest.fixture
async def platform(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Platform]:
    async with platform_on_a_broker(tmp_path, monkeypatch) as p:
        yield p


async def test_identical_ballots_through_two_fronts_leave_one_event(platform: Platform) -> None:
    p = platform
    await open_vote(p)
    async with distributed(p, fronts=2, replicas=2, timeout_s=COMMAND_TIMEOUT_S) as fronts:
        warm_up = ParticipantContext("p-warm-up", "email")
        await until(lambda: answered(fronts[0], warm_up), timeout=JOIN_S)
        await until(lambda: answered(fronts[1], warm_up), timeout=JOIN_S)
        for n in range(PAIRS):
            who = ParticipantContext(f"p-voter{n}", "email")
            item = ITEMS[n % len(ITEMS)]
            answers = await asyncio.gather(*(cast_until_answered(fronts[i % 2], who, item)
                                             for i in range(COPIES)))
            statuses = Counter(a["status"] for a in answers)
            # one "recorded" (none when the answer to the one that recorded it came
            # too late, and its retry found it: "unchanged"), every other unchanged
            assert statuses["recorded"] <= 1 and statuses["unchanged"] == COPIES - statuses[
                "recorded"], (n, statuses)
    counted = await ballots_in_the_log(p)
    for n in range(PAIRS):
        pair = (f"p-voter{n}", ITEMS[n % len(ITEMS)])
        assert counted[pair] == 1, (pair, counted[pair])
    assert counted[("p-warm-up", ITEMS[0])] == 1
