"""Deposit and automatic moderation throughput.

1. Durable contributions/s through HTTP: proposals POSTed (with Idempotency-Key)
   to the real app (in-process ASGI client, `--clients` concurrent clients) on the
   SQLite event log and read store, projection workers running; a 201 means the
   event is durable. Beside it, in the same run, a naive baseline: FastAPI + one
   SQLite INSERT with a commit per request (WAL, synchronous=FULL).
2. Automatic moderation: checks (personal data, lexicon, links/spam,
   content-free) + MinHash LSH campaign detection over 5,000 distinct French
   contributions and 500 campaign copies, contributions/s (target >= 2,000/s).

    .venv/bin/python bench/deposit.py [--seconds 5] [--clients 32]

The ratio Parlons / baseline is printed last.
"""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from fastapi import FastAPI, Header
from pydantic import BaseModel

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "unit"))

from moderation.corpus import mixed  # noqa: E402

from services.apikit.deps import participant_context  # noqa: E402
from services.consultation.commands import (  # noqa: E402
    CreateConsultation,
    PhaseSpec,
    PublishConsultation,
    SchedulePhases,
)
from services.core.clock import SystemClock  # noqa: E402
from services.core.envelope import Actor, Envelope  # noqa: E402
from services.core.events import Meta  # noqa: E402
from services.core.participants import ParticipantContext  # noqa: E402
from services.eventlog.memory import MemoryEventLog  # noqa: E402
from services.moderation.process import AutoModeration  # noqa: E402
from services.runtime.app import create_app  # noqa: E402
from services.runtime.bootstrap import bootstrap  # noqa: E402
from services.runtime.runner import running  # noqa: E402
from services.runtime.settings import Settings  # noqa: E402

BODY = "Relier les villages de la vallée par des pistes cyclables sûres et éclairées."


def header_participant(x_participant: str = Header()) -> ParticipantContext:
    return ParticipantContext(x_participant, "anonymous")


async def load(client: httpx.AsyncClient, url: str, seconds: float, clients: int,
               body: dict[str, str]) -> tuple[int, list[float]]:
    done, latencies = 0, []
    stop = time.perf_counter() + seconds

    async def one_client(n: int) -> None:
        nonlocal done
        i = 0
        while time.perf_counter() < stop:
            i += 1
            t = time.perf_counter()
            r = await client.post(url, json={**body, "title": f"Proposition {n}-{i}"},
                                  headers={"Idempotency-Key": f"k-{n}-{i}",
                                           "X-Participant": f"p-{n}-{i}"})
            if r.status_code != 201:
                raise SystemExit(f"unexpected {r.status_code}: {r.text}")
            latencies.append(time.perf_counter() - t)
            done += 1

    await asyncio.gather(*(one_client(n) for n in range(clients)))
    return done, latencies


async def parlons(tmp: Path, seconds: float, clients: int,
                  workers: bool = True) -> tuple[float, float]:
    container = bootstrap(Settings(event_log="sqlite", read_store="sqlite", data_dir=tmp,
                                   worker_poll_timeout=0.05),
                          services=["consultation", "deposit", "moderation"])
    async with running(container, workers=workers):
        organiser = Meta(Actor("p-organiser", "organiser"))
        now = datetime.now(UTC)
        for cmd in (CreateConsultation("bench", "Banc d'essai", "banc"),
                    SchedulePhases("bench", (PhaseSpec("d", "deposit", "Dépôt",
                                                       now - timedelta(hours=1),
                                                       now + timedelta(days=1)),)),
                    PublishConsultation("bench")):
            await container.handle(cmd, organiser)
        app = create_app(container)
        app.dependency_overrides[participant_context] = header_participant
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                     base_url="http://bench") as client:
            while (await client.get("/api/consultations/bench")).status_code != 200:
                await asyncio.sleep(0.05)
            await asyncio.sleep(0.2)
            done, lat = await load(client, "/api/consultations/bench/proposals", seconds,
                                   clients, {"body": BODY})
    return done / seconds, _p99(lat)


class Proposal(BaseModel):
    title: str
    body: str


def baseline_app(db: Path) -> FastAPI:
    conn = sqlite3.connect(db, check_same_thread=False, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("CREATE TABLE proposals (id INTEGER PRIMARY KEY, author TEXT, title TEXT, "
                 "body TEXT, idem TEXT UNIQUE)")
    app = FastAPI()

    @app.post("/proposals", status_code=201)
    async def create(p: Proposal, idempotency_key: str = Header(),
                     x_participant: str = Header()) -> dict[str, int]:
        cur = conn.execute("BEGIN")
        cur = conn.execute("INSERT INTO proposals (author, title, body, idem) VALUES (?,?,?,?)",
                           (x_participant, p.title, p.body, idempotency_key))
        conn.execute("COMMIT")
        return {"id": cur.lastrowid or 0}

    return app


async def baseline(tmp: Path, seconds: float, clients: int) -> tuple[float, float]:
    app = baseline_app(tmp / "baseline.db")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://bench") as client:
        done, lat = await load(client, "/proposals", seconds, clients, {"body": BODY})
    return done / seconds, _p99(lat)


def moderation_rate() -> tuple[float, int]:
    items = mixed(5000, 500)
    auto = AutoModeration(MemoryEventLog(), SystemClock())
    now = datetime.now(UTC)
    envelopes = [Envelope(type="deposit.ProposalSubmitted", schema_version=2,
                          stream=f"contribution-{key}", stream_version=1,
                          data={"contribution_id": key, "consultation_id": "bench",
                                "author_id": "p-x", "title": "", "body": text,
                                "theme_id": "", "territory": "", "moderation": "post"},
                          actor=Actor("p-x", "participant"), occurred_at=now,
                          correlation_id="c") for key, text, _ in items]
    t = time.perf_counter()
    flagged = sum(1 for e in envelopes if auto.check(e).suggestions)
    return len(envelopes) / (time.perf_counter() - t), flagged


def _p99(latencies: list[float]) -> float:
    return statistics.quantiles(latencies, n=100)[98] * 1000 if len(latencies) > 100 else 0.0


async def main(seconds: float, clients: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        base_rate, base_p99 = await baseline(Path(tmp), seconds, clients)
        rate, p99 = await parlons(Path(tmp), seconds, clients)
    print(f"baseline (FastAPI + SQLite commit per request): {base_rate:,.0f} proposals/s, "
          f"p99 {base_p99:.1f} ms")
    print(f"parlons (HTTP, durable in the event log):        {rate:,.0f} proposals/s, "
          f"p99 {p99:.1f} ms")
    mod_rate, flagged = moderation_rate()
    print(f"automatic moderation (checks + MinHash LSH, 5,500 contributions): "
          f"{mod_rate:,.0f} contributions/s ({flagged} with suggestions; target >= 2,000/s)")
    print(f"ratio parlons / baseline (durable contributions/s): {rate / base_rate:.2f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--clients", type=int, default=32)
    args = parser.parse_args()
    asyncio.run(main(args.seconds, args.clients))
