"""A routed command's latency in the distributed topology (ADR 0035, 0036), beside
the floor of its Kafka round trips on the same Tansu broker in the same run.

Parlons: one front and one replica of the vote service (each a container with its
own Kafka clients, in this process, as `tests/harness/routing.py` builds them) over
a fresh broker; `--commands` ballots cast one after the other through the front,
each waiting for its answer, as a participant's click does. A new ballot's
decision reads the log as it holds it (the stream's version and history, the log's
ends), appends the ballot and answers.

Floor: the same broker's round trips of such a command with no Parlons in them,
with raw aiokafka clients configured as Parlons' are: the command produced
(`acks="all"`), consumed by a group member, an event produced, the reply produced,
the reply consumed. What lies between the two lines is the decision's own work and
its reads of the log. On Tansu a fetch waiting for records is not always woken by
the record's arrival (with two consumers waiting, the reply's could wait out its
whole fetch wait): each consumer's hop then costs part of its wait, on both lines.

Prints each line's median and p90 (ms) and the floor's median over Parlons' (the
closer to 1, the less a decision adds to its round trips).

    .venv/bin/python bench/routed_commands.py [--commands 200]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from harness.consultations import open_vote  # noqa: E402  (needs tests on the path)
from harness.platform import until  # noqa: E402
from harness.routing import distributed, platform_on_a_broker  # noqa: E402

from services.core.envelope import Actor  # noqa: E402
from services.core.errors import CommandTimedOut  # noqa: E402
from services.core.events import Meta  # noqa: E402
from services.core.participants import ParticipantContext  # noqa: E402
from services.runtime.bootstrap import Container  # noqa: E402
from services.vote.commands import CastBallot  # noqa: E402

ITEMS = ("item-0", "item-1", "item-2", "item-3")
JOIN_S = 60.0


def ballot(n: int) -> tuple[CastBallot, Meta]:
    who = ParticipantContext(f"p-bench{n}", "email")
    return (CastBallot(ITEMS[n % len(ITEMS)], who, "agree", "agree"),
            Meta(actor=Actor(id=who.participant_id, role="participant")))


async def parlons(commands: int) -> list[float]:
    with tempfile.TemporaryDirectory() as tmp, pytest.MonkeyPatch.context() as env:
        async with platform_on_a_broker(Path(tmp), env) as p:
            await open_vote(p)
            async with distributed(p, fronts=1, replicas=1) as (front,):
                await until(lambda: answers(front), timeout=JOIN_S)
                for n in range(20):  # warm-up: every partition's first reads
                    await front.handle(*ballot(-1 - n))
                took = []
                for n in range(commands):
                    start = time.perf_counter()
                    await front.handle(*ballot(n))
                    took.append(time.perf_counter() - start)
                return took


async def answers(front: Container) -> bool:
    try:
        await front.handle(*ballot(-1000))
    except CommandTimedOut:
        return False
    return True


async def floor(commands: int) -> list[float]:
    from tansu import Tansu

    with Tansu() as broker:
        admin = AIOKafkaAdminClient(bootstrap_servers=broker.bootstrap)
        await admin.start()
        await admin.create_topics([NewTopic(t, 1, 1) for t in ("commands", "events", "replies")])
        await admin.close()
        front = AIOKafkaProducer(bootstrap_servers=broker.bootstrap, acks="all")
        replica = AIOKafkaProducer(bootstrap_servers=broker.bootstrap, acks="all")
        # fetch waits as Parlons' command receiver and reply reader have them
        member = AIOKafkaConsumer("commands", bootstrap_servers=broker.bootstrap,
                                  group_id=f"bench-{uuid.uuid4().hex}", fetch_max_wait_ms=50,
                                  enable_auto_commit=False, auto_offset_reset="earliest",
                                  session_timeout_ms=3000, heartbeat_interval_ms=500)
        replies = AIOKafkaConsumer(bootstrap_servers=broker.bootstrap, fetch_max_wait_ms=50,
                                   enable_auto_commit=False)
        for client in (front, replica, member, replies):
            await client.start()
        replies.assign([TopicPartition("replies", 0)])
        await replies.seek_to_beginning(TopicPartition("replies", 0))

        async def serve() -> None:
            while True:
                for tp, records in (await member.getmany(timeout_ms=200)).items():
                    for record in records:
                        await replica.send_and_wait("events", record.value, key=record.key)
                        await replica.send_and_wait("replies", record.value, partition=0)
                    await member.commit({tp: records[-1].offset + 1})

        serving = asyncio.create_task(serve())
        try:
            took = []
            for n in range(-20, commands):  # the first twenty warm up
                start = time.perf_counter()
                await front.send_and_wait("commands", f"command {n}".encode(), key=b"item-0")
                await replies.getone()
                if n >= 0:
                    took.append(time.perf_counter() - start)
            return took
        finally:
            serving.cancel()
            for client in (front, replica, member, replies):
                await client.stop()


def line(name: str, took: list[float]) -> float:
    ms = sorted(t * 1000 for t in took)
    median = statistics.median(ms)
    print(f"{name:8} {len(ms)} commands one after the other: median {median:.1f} ms, "
          f"p90 {ms[int(len(ms) * 0.9)]:.1f} ms")
    return median


def main() -> None:
    args = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    args.add_argument("--commands", type=int, default=200)
    commands = args.parse_args().commands
    base = line("floor", asyncio.run(floor(commands)))
    ours = line("parlons", asyncio.run(parlons(commands)))
    print(f"floor / parlons: {base / ours:.2f}x (a decision adds {ours - base:.1f} ms "
          "to its round trips)")


if __name__ == "__main__":
    main()
