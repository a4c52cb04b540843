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

import os
import re
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from harness.processes import ROOT, free_port

pytestmark = pytest.mark.slow

# the front is ready once every worker has created its read store (ADR 0037): nine
# processes importing at once on two shared cores
START_S = 240.0


class Topology:
    def __init__(self, env: dict[str, str], out: Path) -> None:
        self.out = out
        self._file = out.open("ab")
        self.proc = subprocess.Popen(["bash", "deploy/run_distributed.sh"], cwd=ROOT,
                                     env={**os.environ, **env}, stdout=self._file,
                                     stderr=subprocess.STDOUT)

    def output(self) -> str:
        return self.out.read_text(errors="replace")

    def wait_for(self, check: Callable[[], object], what: str) -> None:
        deadline = time.monotonic() + START_S
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
            self.proc.wait(60)
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
    http = free_port()
    env = {"PARLONS_KAFKA_PORT": str(free_port()), "PARLONS_HTTP_PORT": str(http),
           "PARLONS_DATA_DIR": str(tmp_path / "data"),
           "PARLONS_KAFKA_SESSION_TIMEOUT_MS": "3000",
           "PARLONS_KAFKA_HEARTBEAT_INTERVAL_MS": "500",
           "PARLONS_WORKER_POLL_TIMEOUT": "0.2", "PARLONS_RESTART_PAUSE": "0.5",
           "PARLONS_METRICS_PORT_BASE": str(free_port())}
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
