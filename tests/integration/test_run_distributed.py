"""`make run-distributed` (deploy/run_distributed.sh) as a developer runs it: a
broker, one supervised worker process per service, the HTTP front.

- run twice on the same data folder: the second run's broker is a new log, and
  the search index kept from the first run says it was built from another one,
  so the search worker rebuilds it before consuming (ADR 0032);
- every process answers /metrics (the front on its HTTP port, each worker on the
  port the launcher gave it);
- a worker killed with SIGKILL is restarted by its supervisor, and the rest of
  the topology keeps running."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import sqlite3
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from harness.processes import ROOT, free_port, free_ports

from services.web.security import Sessions

pytestmark = pytest.mark.slow

# the front is ready once every worker has created its read store (ADR 0037): nine
# processes importing at once on two shared cores
START_S = 240.0

METRICS_PORTS = 40  # one per worker process: every service, REPLICAS=2 of each


class Topology:
    def __init__(self, env: dict[str, str], out: Path, stop_s: float = 60.0) -> None:
        self.out = out
        self.stop_s = stop_s
        self._file = out.open("ab")
        self.proc = subprocess.Popen(["bash", "deploy/run_distributed.sh"], cwd=ROOT,
                                     env={**os.environ, **env}, stdout=self._file,
                                     stderr=subprocess.STDOUT)

    def output(self) -> str:
        return self.out.read_text(errors="replace")

    def wait_for(self, check: Callable[[], object], what: str, bound_s: float = START_S) -> None:
        deadline = time.monotonic() + bound_s
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, f"the topology stopped:\n{self.output()[-4000:]}"
            try:
                if check():
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        pytest.fail(f"timed out waiting for {what}:\n{self.output()[-4000:]}")

    def workers(self, service: str) -> list[int]:
        """Pids of this topology's `parlons worker SERVICE` processes."""
        return [pid for pid in _descendants(self.proc.pid)
                if _cmdline(pid)[-2:] == ["worker", service]]

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)  # its trap stops what it started
            self.proc.wait(self.stop_s)
        self._file.close()


@pytest.fixture
def topologies() -> Iterator[list[Topology]]:
    started: list[Topology] = []
    yield started
    for t in started:
        t.stop()


def test_run_distributed_supervises_workers_and_rebuilds_an_older_search_index(
    tmp_path: Path, topologies: list[Topology],
) -> None:
    http = free_ports(1)
    env = {"PARLONS_KAFKA_PORT": str(free_port()), "PARLONS_HTTP_PORT": str(http),
           "PARLONS_DATA_DIR": str(tmp_path / "data"),
           "PARLONS_KAFKA_SESSION_TIMEOUT_MS": "3000",
           "PARLONS_KAFKA_HEARTBEAT_INTERVAL_MS": "500",
           "PARLONS_WORKER_POLL_TIMEOUT": "0.2", "PARLONS_RESTART_PAUSE": "0.5",
           "PARLONS_METRICS_PORT_BASE": str(free_ports(METRICS_PORTS))}
    url = f"http://127.0.0.1:{http}"

    def ready() -> bool:
        return httpx.get(f"{url}/readyz").status_code == 200

    first = Topology(env, tmp_path / "first.log")
    topologies.append(first)
    first.wait_for(lambda: ready() and first.workers("search"), "the first run")
    first.wait_for(lambda: '"service":"search"' in first.output(), "its search worker")
    first.stop()
    assert (tmp_path / "data" / "search" / "origin").exists()

    second = Topology(env, tmp_path / "second.log")
    topologies.append(second)
    second.wait_for(lambda: "outside view rebuilt" in second.output(),
                    "the search index rebuilt from the new log")
    second.wait_for(lambda: ready() and second.workers("consultation"), "the second run")

    # every process answers /metrics: the front on its HTTP port, each worker on
    # the port the launcher gave it
    assert "parlons_http_request_duration_seconds" in httpx.get(f"{url}/metrics").text
    announced = re.findall(r"worker (\w+): (http://\S+/metrics)", second.output())
    assert {s for s, _ in announced} >= {"consultation", "vote", "search"}
    for service, metrics_url in announced:
        second.wait_for(lambda u=metrics_url: "parlons_consumer_lag{" in httpx.get(u).text,
                        f"the metrics of the {service} worker")

    [victim] = second.workers("consultation")
    os.kill(victim, signal.SIGKILL)
    second.wait_for(lambda: "supervise: worker consultation exited with 137"
                    in second.output(), "the supervisor noticing")
    second.wait_for(lambda: [p for p in second.workers("consultation") if p != victim],
                    "the worker restarted")
    assert ready()  # the rest kept running


def _descendants(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = [], [root]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def _cmdline(pid: int) -> list[str]:
    try:
        return (Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
                .rstrip("\0").split("\0"))
    except OSError:
        return []


def test_run_distributed_with_two_fronts_and_two_replicas_routes_ballots_and_deposits(
    tmp_path: Path, topologies: list[Topology],
) -> None:
    """`FRONTS=2 REPLICAS=2` (ADR 0035, 0038): two fronts on consecutive ports, two
    worker processes of each service; a ballot sent to either front is decided by
    a vote replica (its metrics count it), and both fronts give the same answer;
    an argument sent to either is decided by a deposit replica."""
    http = free_ports(2)  # FRONTS=2: consecutive ports
    data = tmp_path / "data"
    env = {"PARLONS_KAFKA_PORT": str(free_port()), "PARLONS_HTTP_PORT": str(http),
           "PARLONS_DATA_DIR": str(data), "FRONTS": "2", "REPLICAS": "2",
           "PARLONS_KAFKA_SESSION_TIMEOUT_MS": "3000",
           "PARLONS_KAFKA_HEARTBEAT_INTERVAL_MS": "500",
           "PARLONS_WORKER_POLL_TIMEOUT": "0.2", "PARLONS_RESTART_PAUSE": "0.5",
           "PARLONS_METRICS_PORT_BASE": str(free_ports(METRICS_PORTS))}
    fronts = [f"http://127.0.0.1:{http}", f"http://127.0.0.1:{http + 1}"]
    topology = Topology(env, tmp_path / "run.log", stop_s=3 * START_S)  # 19 stopping
    topologies.append(topology)
    topology.wait_for(lambda: len(topology.workers("vote")) == 2, "two vote replicas")
    # nineteen processes importing at once on two shared cores
    topology.wait_for(lambda: all(httpx.get(f"{u}/readyz").status_code == 200 for u in fronts),
                      "both fronts", bound_s=4 * START_S)
    topology.wait_for(lambda: "demo consultation created" in topology.output(), "the demo",
                      bound_s=2 * START_S)
    topology.wait_for(lambda: topology.output().count("command partitions assigned") >= 2,
                      "the vote replicas sharing the command partitions", bound_s=2 * START_S)

    def a_demo_proposal() -> str | None:  # once projected
        # each service's read models in its own read-<service>.db (ADR 0037)
        for path in sorted(data.glob("read-*.db")):
            with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
                try:
                    found = db.execute("SELECT key FROM docs WHERE tbl = 'public_proposals'"
                                       " ORDER BY key LIMIT 1").fetchall()
                except sqlite3.OperationalError:  # created, no table yet
                    continue
            if found:
                return str(found[0][0])
        return None

    topology.wait_for(a_demo_proposal, "the demo's proposals", bound_s=2 * START_S)
    item = a_demo_proposal()
    secret = (data / "secrets" / "secret_key").read_text().strip()
    sessions = Sessions(secret, 24)
    cookies = {sessions.cookie: sessions.issue("p-two-fronts", kind="participant",
                                               level="email")}
    answers = []
    with httpx.Client(cookies=cookies, timeout=30) as client:
        csrf = client.get(f"{fronts[0]}/api/session").json()["csrf_token"]
        for n, url in enumerate(fronts * 2):
            r = client.post(f"{url}/api/items/{item}/ballot",
                            json={"kind": "agree", "choice": "agree"},
                            headers={"X-CSRF-Token": csrf, "Idempotency-Key": f"k{n}"})
            answers.append((r.status_code, r.json().get("error")))
        argued = []  # an argument on the proposal through each front (ADR 0038)
        for n, url in enumerate(fronts):
            r = client.post(f"{url}/api/contributions/{item}/arguments",
                            json={"side": "for", "body": "Un argument pour, par chaque front."},
                            headers={"X-CSRF-Token": csrf, "Idempotency-Key": f"a{n}"})
            argued.append((r.status_code, r.json().get("error")))
    assert len(set(answers)) == 1 and answers[0][0] in (200, 422), answers
    assert len(set(argued)) == 1 and argued[0][0] in (201, 422), argued

    assert decided_by("vote", "CastBallot", topology) == 4
    assert decided_by("deposit", "SubmitArgument", topology) == 2


def decided_by(service: str, command: str, topology: Topology) -> float:
    """The commands of this type the replicas of `service` decided (their metrics)."""
    decided = 0.0
    for name, metrics_url in re.findall(r"worker (\w+): (http://\S+/metrics)",
                                        topology.output()):
        if name == service:
            decided += sum(float(line.rsplit(" ", 1)[1])
                           for line in httpx.get(metrics_url).text.splitlines()
                           if line.startswith(f'parlons_commands_total{{command="{command}"'))
    return decided
