"""kill -9 soak (issue #15): writers deposit proposals and cast ballots through the
JSON API with an Idempotency-Key, retrying every unanswered request with the same
key, while a killer SIGKILLs a Parlons process at random intervals and starts it
again: the server in the embedded topology; the HTTP front or any service's
worker process in the distributed one (Tansu broker).

At the end every acknowledged write is in the log exactly once (one proposal per
key, one BallotCast per ballot stream, none unacknowledged and doubled),
`parlons recount` finds no difference and `parlons verify` is clean once the
projections have caught up.

`make test` runs a bounded soak (SOAK_S seconds, kills every 4-8 s) of the
embedded server and of the routed distributed topology (two fronts, two replicas
of vote and deposit, processes killed in turn); `make test-kill-soak` runs long
ones (PARLONS_TEST_SOAK_S=600, kills every 5-20 s, as the issue asks) with two
replicas of every service but search (tantivy: one writer), each killed in turn,
and adds the distributed topology killed at random, which the bounded run leaves
out to keep `make test` short: the routed soak kills the same kinds of process."""

from __future__ import annotations

import asyncio
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
import httpx
import pytest
from harness.processes import ROOT, SEEDED_VOTE, Parlons, free_port, seed_vote
from tansu import Tansu

from services.eventlog.port import read_all
from services.runtime.bootstrap import bootstrap
from services.runtime.services import SERVICES
from services.runtime.settings import Settings
from services.web.security import Sessions

pytestmark = pytest.mark.slow

SOAK_S = float(os.environ.get("PARLONS_TEST_SOAK_S", "30"))
LONG = SOAK_S > 120
KILL_EVERY_S = (5.0, 20.0) if LONG else (4.0, 8.0)
WRITERS = 12  # half deposit, half vote
ITEMS = 100
SECRET = "soak-secret"
SETTLE_S = 120.0
READY_S = 120.0  # nine processes importing at once on two cores


@dataclass
class Node:
    """One restartable process of the topology: `args` to `python -m services.runtime`."""
    name: str
    args: list[str]
    env: dict[str, str]
    out: Path
    process: Parlons | None = None
    starts: int = 0

    def start(self) -> None:
        self.starts += 1
        self.process = Parlons(self.args, self.env, self.out.with_suffix(f".{self.starts}.log"))

    def kill(self) -> None:
        assert self.process is not None
        if self.process.proc.poll() is None:
            os.kill(self.process.proc.pid, signal.SIGKILL)
            self.process.proc.wait(10)
        self.process.stop()

    def alive(self) -> bool:
        return self.process is not None and self.process.proc.poll() is None


@dataclass
class Topology:
    url: str
    env: dict[str, str]
    nodes: list[Node] = field(default_factory=list)
    kills: Counter[str] = field(default_factory=Counter)
    fronts: list[str] = field(default_factory=list)  # more HTTP fronts than `url`
    in_turn: bool = False  # the killer takes the nodes in order, not at random
    ready_s: float = READY_S

    @property
    def urls(self) -> list[str]:
        return [self.url, *self.fronts]

    def start(self) -> None:
        for node in self.nodes:
            node.start()
        self.wait_ready()

    def wait_ready(self) -> None:
        deadline = time.monotonic() + self.ready_s
        waiting = list(self.urls)
        while time.monotonic() < deadline:
            dead = [n for n in self.nodes if not n.alive()]
            assert not dead, f"{dead[0].name} exited:\n{dead[0].process.output()[-3000:]}"  # type: ignore[union-attr]
            try:
                if httpx.get(f"{waiting[0]}/readyz", timeout=2).status_code == 200:
                    waiting.pop(0)
                    if not waiting:
                        return
                    continue
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        pytest.fail("the topology did not become ready")

    def stop(self) -> None:
        for node in self.nodes:
            if node.process is not None:
                node.process.stop()

    async def killer(self, until: float) -> None:
        """SIGKILL a node at random intervals, then start it again at once (what a
        supervisor does), until the soak ends."""
        rng = random.Random(15)
        while True:
            pause = rng.uniform(*KILL_EVERY_S)
            if time.monotonic() + pause >= until:
                return
            await asyncio.sleep(pause)
            turn = sum(self.kills.values())
            victim = self.nodes[turn % len(self.nodes)] if self.in_turn else rng.choice(self.nodes)
            victim.kill()
            self.kills[victim.name] += 1
            victim.start()

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "services.runtime", *args], cwd=ROOT,
                              env={**os.environ, **self.env}, capture_output=True,
                              text=True, timeout=300)


@dataclass
class Acknowledged:
    proposals: dict[str, str] = field(default_factory=dict)  # key -> contribution id
    ballots: set[tuple[str, str]] = field(default_factory=set)  # (item, participant)
    retries: Counter[str] = field(default_factory=Counter)


async def writer(urls: list[str], n: int, items: list[str], until: float,
                 acked: Acknowledged) -> None:
    """One participant's session: deposit (even n) or vote (odd n) until the soak
    ends, every request retried with its key until it is answered; its requests
    go to each front in turn (one session for all: they share the secret)."""
    pid = f"p-soak-{n}"
    sessions = Sessions(SECRET, 24)
    jar = aiohttp.CookieJar(unsafe=True)  # cookies for 127.0.0.1
    timeout = aiohttp.ClientTimeout(total=15)
    async with aiohttp.ClientSession(cookie_jar=jar, timeout=timeout) as client:
        jar.update_cookies({sessions.cookie: sessions.issue(pid, kind="participant",
                                                           level="email")})
        csrf = await answered(client, acked, "GET", urls, "/api/session", None, {})
        headers = {"X-CSRF-Token": str(csrf["csrf_token"])}
        i = 0
        while time.monotonic() < until:
            key = f"{pid}-{i}"
            fronts = urls[(n + i) % len(urls):] + urls[:(n + i) % len(urls)]
            if n % 2 == 0:
                body = {"title": f"Proposition {key}",
                        "body": "Une proposition écrite pendant la tempête de SIGKILL."}
                answer = await answered(
                    client, acked, "POST", fronts, f"/api/consultations/{SEEDED_VOTE}/proposals",
                    body, {**headers, "Idempotency-Key": key})
                acked.proposals[key] = str(answer["id"])
            else:
                if i >= len(items):
                    return
                item = items[(i + n) % len(items)]
                await answered(client, acked, "POST", fronts, f"/api/items/{item}/ballot",
                               {"kind": "agree", "choice": "agree"},
                               {**headers, "Idempotency-Key": key})
                acked.ballots.add((item, pid))
            i += 1


async def answered(client: aiohttp.ClientSession, acked: Acknowledged, method: str,
                   fronts: list[str], path: str, body: object,
                   headers: dict[str, str]) -> dict[str, object]:
    """The request's 2xx answer, sent again (same key) until there is one: what a
    real client does when a connection drops or the server says 503. A front that
    does not answer at all is left for the next one, as a load balancer leaves a
    dead pod: the retry then goes through another front with the same key."""
    turn = 0
    for _ in range(2000):
        url = f"{fronts[turn % len(fronts)]}{path}"
        try:
            async with client.request(method, url, json=body, headers=headers) as r:
                status, payload = r.status, await r.json(content_type=None)
        except (aiohttp.ClientError, TimeoutError) as exc:
            acked.retries[type(exc).__name__] += 1
            turn += 1
            await asyncio.sleep(0.2)
            continue
        if 200 <= status < 300:
            return dict(payload)
        if status in (409, 429, 502, 503, 504):  # in flight elsewhere, or not durable
            acked.retries[str(status)] += 1
            await asyncio.sleep(0.2)
            continue
        raise AssertionError(f"{method} {url}: {status} {payload}")
    raise AssertionError(f"{method} {path}: never answered")


async def soak(topology: Topology, items: list[str]) -> Acknowledged:
    acked = Acknowledged()
    until = time.monotonic() + SOAK_S
    await asyncio.gather(topology.killer(until),
                         *(writer(topology.urls, n, items, until, acked)
                           for n in range(WRITERS)))
    return acked


async def logged(settings: Settings) -> tuple[Counter[str], Counter[str]]:
    """Proposals submitted per title, and BallotCast per ballot stream, in the log."""
    proposals: Counter[str] = Counter()
    ballots: Counter[str] = Counter()
    container = bootstrap(settings)
    async with container:
        async for r in read_all(container.log, "deposit.events"):
            if r.event.type == "deposit.ProposalSubmitted":
                proposals[str(r.event.data["title"])] += 1
        async for r in read_all(container.log, "vote.events"):
            if r.event.type == "vote.BallotCast":
                ballots[r.event.stream] += 1
    return proposals, ballots


def check(topology: Topology, acked: Acknowledged, settings: Settings) -> None:
    print(f"kills {dict(topology.kills)}; acknowledged {len(acked.proposals)} proposals, "
          f"{len(acked.ballots)} ballots; retries {dict(acked.retries)}")
    assert sum(topology.kills.values()) >= 3
    assert len(acked.proposals) > 0 and len(acked.ballots) > 0

    proposals, ballots = asyncio.run(logged(settings))
    assert {k: proposals[f"Proposition {k}"] for k in acked.proposals} == {
        k: 1 for k in acked.proposals}  # each acknowledged once, none doubled by a retry
    assert len(set(acked.proposals.values())) == len(acked.proposals)
    assert set(ballots.values()) <= {1}
    assert {f"ballot-vote-agree-{item}-{pid}" for item, pid in acked.ballots} == set(ballots)

    deadline = time.monotonic() + SETTLE_S
    while True:  # the projections catch up after the last restart
        verify = topology.cli("verify")
        if verify.returncode == 0 or time.monotonic() > deadline:
            break
        time.sleep(2)
    assert verify.returncode == 0, verify.stdout + verify.stderr
    recount = topology.cli("recount")
    assert recount.returncode == 0, recount.stdout + recount.stderr


def base_env(data: Path) -> dict[str, str]:
    return {"PARLONS_DATA_DIR": str(data), "PARLONS_SECRET_KEY": SECRET,
            "PARLONS_IDENTITY_SECRET": "soak-identity", "PARLONS_LOG_LEVEL": "WARNING",
            "PARLONS_RATE_ACTION_PER_MINUTE": "100000000",
            "PARLONS_WORKER_POLL_TIMEOUT": "0.1",
            "PARLONS_WORKER_METRICS_PORT": "0"}  # eight workers on one host: no port each


@pytest.fixture
def topologies() -> Iterator[list[Topology]]:
    started: list[Topology] = []
    yield started
    for t in started:
        t.stop()


def test_embedded_server_killed_at_random_loses_and_doubles_nothing(
        tmp_path: Path, topologies: list[Topology], monkeypatch: pytest.MonkeyPatch) -> None:
    env = base_env(tmp_path)
    for name, value in env.items():  # the seeding container reads the same settings
        monkeypatch.setenv(name, value)
    items = asyncio.run(seed_vote(tmp_path, ITEMS))
    port = free_port()
    topology = Topology(f"http://127.0.0.1:{port}", env)
    topology.nodes.append(Node("serve", ["serve", "--port", str(port)], env, tmp_path / "serve"))
    topologies.append(topology)
    topology.start()
    acked = asyncio.run(soak(topology, items))
    topology.wait_ready()
    check(topology, acked, Settings(data_dir=tmp_path))


@pytest.mark.kafka
@pytest.mark.skipif(not LONG, reason="long soak only: make test-kill-soak")
def test_distributed_front_and_workers_killed_at_random_lose_and_double_nothing(
        tmp_path: Path, topologies: list[Topology]) -> None:
    with Tansu() as broker:
        env = {**base_env(tmp_path), "PARLONS_EVENT_LOG": "kafka",
               "PARLONS_KAFKA_BOOTSTRAP": broker.bootstrap,
               "PARLONS_KAFKA_DEV_CAP_REPLICATION": "1",  # one Tansu broker
               "PARLONS_KAFKA_SESSION_TIMEOUT_MS": "3000",
               "PARLONS_KAFKA_HEARTBEAT_INTERVAL_MS": "500"}
        done = subprocess.run([sys.executable, "-m", "services.runtime", "topics", "create"],
                              cwd=ROOT, env={**os.environ, **env}, capture_output=True,
                              text=True, timeout=60)
        assert done.returncode == 0, done.stdout + done.stderr
        settings = Settings(data_dir=tmp_path, event_log="kafka",
                            kafka_bootstrap=broker.bootstrap)
        items = asyncio.run(seed_vote(tmp_path, ITEMS, settings))
        port = free_port()
        topology = Topology(f"http://127.0.0.1:{port}", env)
        topology.nodes.append(Node("front", ["serve", "--no-workers", "--port", str(port)],
                                   env, tmp_path / "front"))
        for service in [name for name, spec in SERVICES.items()
                        if spec().projections or spec().processes]:
            topology.nodes.append(Node(service, ["worker", service], env,
                                       tmp_path / f"worker-{service}"))
        topologies.append(topology)
        topology.start()
        acked = asyncio.run(soak(topology, items))
        topology.wait_ready()
        check(topology, acked, settings)
        topology.stop()


@pytest.mark.kafka
def test_routed_writes_two_fronts_and_two_replicas_killed_in_turn_lose_and_double_nothing(
        tmp_path: Path, topologies: list[Topology]) -> None:
    """Issue #16: each command goes to the replica owning its aggregate's partition
    (ADR 0035, 0038). Two fronts and two replicas of the services the writers write
    to (vote, deposit; every service in the long run), one worker of the others;
    the writers' requests alternate between the fronts; the killer takes each
    process in turn -- a replica of each service, then a front, then the second
    replicas... -- and starts the one killed again at once, so its partitions come
    back to it."""
    # tantivy takes one writer per index folder: one search worker, as the launcher
    # runs it (ADR 0080; OpenSearch in production takes several)
    replicated = (set(SERVICES) - {"search"} if LONG else {"vote", "deposit"})
    with Tansu() as broker:
        env = {**base_env(tmp_path), "PARLONS_EVENT_LOG": "kafka",
               "PARLONS_KAFKA_BOOTSTRAP": broker.bootstrap,
               "PARLONS_KAFKA_DEV_CAP_REPLICATION": "1",
               "PARLONS_KAFKA_SESSION_TIMEOUT_MS": "3000",
               "PARLONS_KAFKA_HEARTBEAT_INTERVAL_MS": "500",
               "PARLONS_COMMAND_BUS": "kafka", "PARLONS_COMMAND_TIMEOUT_S": "5"}
        done = subprocess.run([sys.executable, "-m", "services.runtime", "topics", "create"],
                              cwd=ROOT, env={**os.environ, **env}, capture_output=True,
                              text=True, timeout=60)
        assert done.returncode == 0, done.stdout + done.stderr
        settings = Settings(data_dir=tmp_path, event_log="kafka",
                            kafka_bootstrap=broker.bootstrap)
        items = asyncio.run(seed_vote(tmp_path, ITEMS, settings))
        ports = [free_port(), free_port()]
        topology = Topology(f"http://127.0.0.1:{ports[0]}", env,
                            fronts=[f"http://127.0.0.1:{ports[1]}"], in_turn=True,
                            ready_s=3 * READY_S)
        fronts = [Node(f"front#{f}", ["serve", "--no-workers", "--port", str(port)], env,
                       tmp_path / f"front-{f}") for f, port in enumerate(ports)]
        workers = [name for name, spec in SERVICES.items()
                   if spec().projections or spec().processes]

        def replica(service: str, r: int) -> Node:
            return Node(f"{service}#{r}", ["worker", service], env,
                        tmp_path / f"worker-{service}-{r}")

        # in turn: a replica of each replicated service, a front, their second
        # replicas, then the single workers and the other front (the bounded run
        # kills about five processes: the routed writers' and a front among them)
        topology.nodes += [*(replica(s, 1) for s in workers if s in replicated), fronts[0],
                           *(replica(s, 2) for s in workers if s in replicated),
                           *(replica(s, 1) for s in workers if s not in replicated), fronts[1]]
        topologies.append(topology)
        topology.start()
        acked = asyncio.run(soak(topology, items))
        topology.wait_ready()
        check(topology, acked, settings)
        assert topology.kills["vote#1"] + topology.kills["deposit#1"] >= 1
        topology.stop()
