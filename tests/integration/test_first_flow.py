"""The first real flow through real processes: `parlons serve` over uvicorn,
"consultation created -> projection -> GET", embedded (SQLite) and distributed
(two processes over the Tansu Kafka broker, one shared SQLite read store)."""

from __future__ import annotations

import contextlib
import os
import re
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import httpx
import pytest
from harness.processes import ROOT, Parlons, free_port, start_serve, wait_until
from kafka import KafkaAdminClient
from tansu import Tansu

from services.consultation.demo import BIKE_ID
from services.core.schema_registry import SchemaRegistry
from services.runtime.settings import Settings


def get_when_projected(url: str, cid: str, procs: Sequence[Parlons]) -> dict[str, Any]:
    def check() -> dict[str, Any] | None:
        r = httpx.get(f"{url}/api/consultations/{cid}")
        return r.json() if r.status_code == 200 else None

    doc: dict[str, Any] = wait_until(check, f"consultation {cid} projected", procs)
    return doc


NEW = {"title": "Plan vélo 2027", "slug": "plan-velo-2027",
       "summary": "Où faut-il des pistes cyclables ?"}


def test_embedded_serve_creates_projects_and_reads_then_stops_cleanly(
    processes: list[Parlons], tmp_path: Path,
) -> None:
    env = {"PARLONS_DATA_DIR": str(tmp_path), "PARLONS_WORKER_POLL_TIMEOUT": "0.1"}
    _, url = start_serve(processes, env, tmp_path / "serve.log", "--demo")

    listed = wait_until(lambda: httpx.get(f"{url}/api/consultations").json()["items"],
                        "the demo consultation", processes)
    assert listed, "the demo seeded nothing"
    # The demo's past vote is frozen with its ballots: the periodic closing pass must
    # not have frozen it before the demo's ballots were written.
    results = f"{url}/api/consultations/{BIKE_ID}/phases/vote-irritants/results"
    frozen = wait_until(lambda: (r := httpx.get(results).json())["frozen"] and r,
                        "the demo's vote results frozen", processes)
    assert sum(i["agree"]["agree"] for i in frozen["items"]) > 0, frozen
    created = httpx.post(f"{url}/api/consultations", json=NEW)
    assert created.status_code == 201, created.text
    doc = get_when_projected(url, created.json()["id"], processes)
    assert (doc["title"], doc["slug"]) == (NEW["title"], NEW["slug"])

    assert processes[0].stop() == 0  # graceful: workers stopped, adapters closed
    output = processes[0].output()
    assert '"message":"worker stopped"' in output
    assert "127.0.0.1:" not in output.replace(url, "")  # no client address logged


@pytest.mark.kafka
def test_distributed_serve_and_worker_over_kafka_then_replay(
    processes: list[Parlons], tmp_path: Path, kafka_bootstrap: str,
) -> None:
    env = {
        "PARLONS_EVENT_LOG": "kafka", "PARLONS_KAFKA_BOOTSTRAP": kafka_bootstrap,
        "PARLONS_READ_STORE": "sqlite", "PARLONS_READ_STORE_PATH": str(tmp_path / "read.db"),
        "PARLONS_DATA_DIR": str(tmp_path),
        "PARLONS_KAFKA_SESSION_TIMEOUT_MS": "6000",
        "PARLONS_KAFKA_HEARTBEAT_INTERVAL_MS": "1000",
        "PARLONS_WORKER_POLL_TIMEOUT": "0.2",
    }
    _, url = start_serve(processes, env, tmp_path / "serve.log", "--no-workers")
    metrics_port = free_port()
    worker = Parlons(["worker", "consultation", "--metrics-port", str(metrics_port)], env,
                     tmp_path / "worker.log")
    processes.append(worker)

    created = httpx.post(f"{url}/api/consultations", json=NEW)
    assert created.status_code == 201, created.text
    cid = created.json()["id"]
    # serve runs no projection: only the worker process can make this GET succeed
    doc = get_when_projected(url, cid, processes)
    assert (doc["id"], doc["slug"]) == (cid, NEW["slug"])
    metrics = httpx.get(f"http://127.0.0.1:{metrics_port}/metrics").text
    assert 'parlons_events_projected_total{subscription="consultation.catalogue"}' in metrics
    assert worker.stop() == 0

    replay = subprocess.run(
        [sys.executable, "-m", "services.runtime", "replay", "consultation.catalogue"],
        cwd=ROOT, env={**os.environ, **env}, capture_output=True, text=True,
        timeout=120, check=False,
    )
    assert replay.returncode == 0, replay.stdout + replay.stderr
    counts = re.search(r"(\d+) events read, (\d+) applied", replay.stdout)
    assert counts and int(counts[2]) >= 1, replay.stdout  # it did rebuild something
    assert httpx.get(f"{url}/api/consultations/{cid}").json() == doc  # same document rebuilt


@pytest.mark.kafka
def test_topics_create_provisions_the_topics_of_topics_yaml(kafka_bootstrap: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "services.runtime", "topics", "create"], cwd=ROOT,
        env={**os.environ, "PARLONS_KAFKA_BOOTSTRAP": kafka_bootstrap},
        capture_output=True, text=True, timeout=60, check=False,
    )
    assert done.returncode == 0, done.stderr
    assert f"topics ready on {kafka_bootstrap}" in done.stdout


@pytest.mark.kafka
def test_topics_create_refuses_fewer_brokers_than_replicas_unless_told_it_is_development(
) -> None:
    """topics.yaml asks for 3 replicas: on one broker, `topics create` creates
    nothing and says why; the development flag caps the replication."""
    with Tansu() as broker:
        env = {**os.environ, "PARLONS_KAFKA_BOOTSTRAP": broker.bootstrap}
        refused = subprocess.run(
            [sys.executable, "-m", "services.runtime", "topics", "create"], cwd=ROOT,
            env=env, capture_output=True, text=True, timeout=60, check=False)
        assert refused.returncode == 1, refused.stdout + refused.stderr
        assert "asks for 3 replicas" in refused.stderr
        assert "PARLONS_KAFKA_DEV_CAP_REPLICATION=1" in refused.stderr
        admin = KafkaAdminClient(bootstrap_servers=broker.bootstrap)
        with contextlib.closing(admin):
            assert not set(admin.list_topics()) & set(SchemaRegistry().topics)
        done = subprocess.run(
            [sys.executable, "-m", "services.runtime", "topics", "create"], cwd=ROOT,
            env={**env, "PARLONS_KAFKA_DEV_CAP_REPLICATION": "1"}, capture_output=True,
            text=True, timeout=60, check=False)
        assert done.returncode == 0, done.stderr


def test_the_development_replication_cap_is_refused_in_production() -> None:
    with pytest.raises(ValueError, match="development broker"):
        Settings(environment="production", kafka_dev_cap_replication=True)
