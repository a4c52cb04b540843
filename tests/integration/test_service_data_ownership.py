"""Each service owns its data (issue #16, ADR 0037): the distributed topology on
one host (Tansu broker, one worker process per service, the HTTP front), each
service's read models in its own SQLite file. After a deposit and a vote went
through the front and were projected, `/proc` shows:

- no worker has a store file of another service open (nor a shared read.db);
- every service store file the front has open is open read-only (`mode=ro`:
  O_RDONLY in /proc/<pid>/fdinfo). SQLite opens a WAL and its index (-wal,
  -shm) read-write for every WAL reader, `mode=ro` or not (a reader marks in
  them what it reads); its connection still refuses every write.
"""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from harness.processes import (
    ROOT,
    SEEDED_VOTE,
    Parlons,
    free_port,
    seed_vote,
    stop_all,
    wait_until,
)
from tansu import Tansu

from services.runtime.services import SERVICES
from services.runtime.settings import Settings
from services.web.security import Sessions

pytestmark = [pytest.mark.slow, pytest.mark.kafka]

SECRET = "ownership-secret"
START_S = 600.0  # nine processes importing at once on two shared cores
STORE_FILE = re.compile(r"^read(?:-(?P<owner>\w+))?\.db(?:-wal|-shm)?$")


def services_with_workers() -> list[str]:
    return [name for name, make in SERVICES.items()
            if make().projections or make().processes]


def open_stores(pid: int, data: Path) -> dict[str, int]:
    """The read store files (read.db, read-<owner>.db, their -wal/-shm) that
    process `pid` has open, with the access mode of each (os.O_RDONLY, O_RDWR...;
    the strongest when opened more than once)."""
    found: dict[str, int] = {}
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = Path(os.readlink(fd))
            flags = next(line for line in Path(f"/proc/{pid}/fdinfo/{fd.name}")
                         .read_text().splitlines() if line.startswith("flags:"))
        except (OSError, StopIteration):
            continue  # closed meanwhile
        if target.parent == data and STORE_FILE.match(target.name):
            mode = int(flags.split()[1], 8) & os.O_ACCMODE
            found[target.name] = max(found.get(target.name, os.O_RDONLY), mode)
    return found


def owner_of(file: str) -> str | None:
    match = STORE_FILE.match(file)
    return match["owner"] if match else None


def test_each_service_process_opens_only_its_own_store_and_the_front_only_reads(
        tmp_path: Path, processes: list[Parlons]) -> None:
    data = tmp_path / "data"
    with Tansu() as broker:
        env = {"PARLONS_DATA_DIR": str(data), "PARLONS_SECRET_KEY": SECRET,
               "PARLONS_IDENTITY_SECRET": "ownership-identity",
               "PARLONS_EVENT_LOG": "kafka", "PARLONS_KAFKA_BOOTSTRAP": broker.bootstrap,
               "PARLONS_KAFKA_DEV_CAP_REPLICATION": "1",
               "PARLONS_KAFKA_SESSION_TIMEOUT_MS": "3000",
               "PARLONS_KAFKA_HEARTBEAT_INTERVAL_MS": "500",
               "PARLONS_READ_STORE_LAYOUT": "per_service",
               "PARLONS_WORKER_POLL_TIMEOUT": "0.1", "PARLONS_WORKER_METRICS_PORT": "0",
               "PARLONS_SERVE_JOBS_AFTER_S": "0"}
        done = subprocess.run([sys.executable, "-m", "services.runtime", "topics", "create"],
                              cwd=ROOT, env={**os.environ, **env}, capture_output=True,
                              text=True, timeout=60, check=False)
        assert done.returncode == 0, done.stdout + done.stderr
        settings = Settings(data_dir=data, event_log="kafka", kafka_bootstrap=broker.bootstrap,
                            read_store_layout="per_service")
        [item] = asyncio.run(seed_vote(data, 1, settings))

        workers = {service: Parlons(["worker", service], env, tmp_path / f"{service}.log")
                   for service in services_with_workers()}
        processes.extend(workers.values())
        port = free_port()
        # started with them: it is ready once every worker created its file
        front = Parlons(["serve", "--no-workers", "--port", str(port)], env,
                        tmp_path / "front.log")
        processes.append(front)
        url = f"http://127.0.0.1:{port}"
        wait_until(lambda: httpx.get(f"{url}/readyz").status_code == 200, "the front",
                   processes, timeout=START_S)
        for service, worker in workers.items():
            wait_until(lambda w=worker: "workers running" in w.output(),
                       f"the {service} worker", [worker], timeout=START_S)

        sessions = Sessions(SECRET, 24)
        with httpx.Client(base_url=url, timeout=15) as client:
            client.cookies.set(sessions.cookie, sessions.issue(
                "p-ownership", kind="participant", level="email"))
            csrf = {"X-CSRF-Token": client.get("/api/session").json()["csrf_token"]}
            deposited = client.post(
                f"/api/consultations/{SEEDED_VOTE}/proposals",
                headers={**csrf, "Idempotency-Key": "ownership-deposit"},
                json={"title": "Une proposition", "body": "Déposée par le front distribué."})
            assert deposited.status_code == 201, deposited.text
            voted = client.post(f"/api/items/{item}/ballot",
                                headers={**csrf, "Idempotency-Key": "ownership-vote"},
                                json={"kind": "agree", "choice": "agree"})
            assert voted.status_code in (200, 201), voted.text
            # read back through the front, from each service's own store
            wait_until(lambda: client.get("/api/me/contributions").json()["items"],
                       "the deposit projected", processes, timeout=60)
            wait_until(lambda: client.get("/api/me/ballots").json()["items"],
                       "the ballot projected", processes, timeout=60)

        for service, worker in workers.items():
            held = open_stores(worker.proc.pid, data)
            assert held, f"the {service} worker has no store open"
            foreign = {f for f in held if owner_of(f) != service}
            assert not foreign, f"the {service} worker has {sorted(foreign)} open"

        held = open_stores(front.proc.pid, data)
        assert {owner_of(f) for f in held} >= {"deposit", "vote"}  # it read them
        writable = {f for f, mode in held.items()
                    if f.endswith(".db") and owner_of(f) in SERVICES and mode != os.O_RDONLY}
        assert not writable, f"the front can write {sorted(writable)}"
        assert "read.db" not in held  # no shared file
        stop_all(processes)  # while the broker is there: without it they wait to close
