"""Anonymous public pages through real HTTP (ADR 0071): `parlons serve` on a data
folder seeded through the command handlers (a consultation, its deposit phase and
N published proposals), beside a naive page serving the same proposals in the
same run: Starlette + Jinja (the same layout) + sqlite3 on the same read.db,
a connection and one query per item per request, under the same uvicorn. The
same HTTP/1.1 keep-alive load (C connections, this process) hits each in turn.
Target: >= 2,000 anonymous public pages/s, p99 <= 50 ms, >= 2x the naive page.
The load generator shares the machine's cores with the servers: the figures are
a floor, and vary with whatever else the machine runs.

    .venv/bin/python bench/pages.py [--seconds 5] [--connections 8] [--items 200]
        [--workers 1]

`--workers N` runs `parlons serve --workers N` (ADR 0070): N HTTP processes and
one projections process; the default, 1, is one process like the naive page's.
"""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.servers import free_port, start, stop  # noqa: E402  (needs ROOT on the path)

CID, SLUG = "velo", "velo"
PAGE = f"/consultations/{SLUG}/propositions"
NAIVE = "/naive"
ENV = {"PARLONS_SECRET_KEY": "bench-secret", "PARLONS_IDENTITY_SECRET": "bench-identity",
       "PARLONS_ENVIRONMENT": "development", "PARLONS_API_TOKEN": "bench-token"}


async def seed(data: Path, items: int) -> None:
    """The consultation and its published proposals, projected before any server
    starts (post-moderation: a proposal is public at once)."""
    from services.consultation.commands import (
        CreateConsultation,
        PhaseSpec,
        PublishConsultation,
        SchedulePhases,
    )
    from services.core.envelope import Actor
    from services.core.events import Meta
    from services.core.participants import ParticipantContext
    from services.deposit.commands import SubmitProposal
    from services.runtime.bootstrap import bootstrap
    from services.runtime.cli import rebuild
    from services.runtime.settings import Settings

    container = bootstrap(Settings(data_dir=data))
    now = datetime.now(UTC)
    meta = Meta(Actor("organiser-1", "organiser"))
    phase = PhaseSpec("depot", "deposit", "Dépôt des propositions", now - timedelta(hours=1),
                      now + timedelta(days=30), actions=("deposit", "comment"))
    async with container:
        for command in (CreateConsultation(CID, "Le vélo au quotidien", SLUG,
                                           moderation="post"),
                        SchedulePhases(CID, (phase,)), PublishConsultation(CID)):
            await container.handle(command, meta)
        await rebuild(container, "consultation.catalogue")
        for n in range(items):
            await container.handle(SubmitProposal(
                f"item-{n:04d}", CID, ParticipantContext(f"author-{n}"),
                f"Proposition numéro {n} pour mieux circuler",
                "Des pistes cyclables continues, séparées des voitures, entre les "
                "quartiers et le centre ; des arceaux devant les écoles."), meta)
        for projection in container.projections:
            await rebuild(container, projection.name)


# -- the naive page -------------------------------------------------------------
NAIVE_TEMPLATE = """{% extends "base.html" %}
{% block title %}Propositions — {{ consultation.title }}{% endblock %}
{% block content %}
<h1>Propositions : {{ consultation.title }}</h1>
<ul class="fr-raw-list">
{% for item in items %}
<li class="fr-card fr-mb-2w"><div class="fr-card__body"><div class="fr-card__content">
<h2 class="fr-card__title">{{ item.title }}</h2>
<p class="fr-card__desc">{{ item.body }}</p></div></div></li>
{% endfor %}
</ul>
{% endblock %}"""


def naive_app(read_db: str, page_size: int) -> Any:
    """What a first version would do: a connection per request, the list's keys,
    then one query per item, rendered without any cache."""
    import orjson
    from starlette.applications import Starlette
    from starlette.responses import HTMLResponse
    from starlette.routing import Route

    from services.web.public.legal import FOOTER
    from services.web.rendering import build_environment

    env = build_environment({"site_name": "Parlons", "footer_links": FOOTER})
    template = env.from_string(NAIVE_TEMPLATE)

    async def page(request: Any) -> HTMLResponse:
        conn = sqlite3.connect(read_db)
        try:
            def doc(tbl: str, part: str, key: str) -> dict[str, Any]:
                row = conn.execute("SELECT doc FROM docs WHERE tbl=? AND part=? AND key=?",
                                   (tbl, part, key)).fetchone()
                return dict(orjson.loads(row[0])) if row else {}

            ref = doc("consultation_slugs", "all", SLUG)
            consultation = doc("consultation_detail", "all", ref["id"])
            keys = [k for (k,) in conn.execute(
                "SELECT key FROM docs WHERE tbl='public_proposals' AND part=? "
                "ORDER BY key DESC LIMIT ?", (ref["id"], page_size))]
            items = [doc("public_proposals", ref["id"], k) for k in keys]
        finally:
            conn.close()
        return HTMLResponse(template.render(consultation=consultation, items=items))

    return Starlette(routes=[Route(NAIVE, page)])


def serve_naive(port: int, read_db: str, page_size: int) -> None:
    import uvicorn

    uvicorn.run(naive_app(read_db, page_size), host="127.0.0.1", port=port, log_config=None,
                access_log=False, server_header=False, lifespan="off")


# -- servers and load -------------------------------------------------------------
@dataclass
class Figures:
    rate: float
    p50: float
    p99: float
    size: int


async def load(port: int, path: str, seconds: float, connections: int) -> Figures:
    """C keep-alive connections, each sending GET `path` as soon as its last
    answer is read; every answer must be a 200."""
    request = f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode()
    latencies: list[float] = []
    sizes: list[int] = []

    async def one(until: float, keep: bool) -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            while time.perf_counter() < until:
                started = time.perf_counter()
                writer.write(request)
                head = await reader.readuntil(b"\r\n\r\n")
                status = int(head[9:12])
                length = next(int(line.split(b":")[1]) for line in head.split(b"\r\n")
                              if line.lower().startswith(b"content-length:"))
                await reader.readexactly(length)
                if status != 200:
                    raise SystemExit(f"{path}: HTTP {status}")
                if keep:
                    latencies.append(time.perf_counter() - started)
                    sizes.append(length)
        finally:
            writer.close()

    await asyncio.gather(*(one(time.perf_counter() + 1.0, False) for _ in range(connections)))
    began = time.perf_counter()
    await asyncio.gather(*(one(began + seconds, True) for _ in range(connections)))
    elapsed = time.perf_counter() - began
    latencies.sort()
    return Figures(len(latencies) / elapsed, latencies[len(latencies) // 2] * 1000,
                   latencies[int(len(latencies) * 0.99)] * 1000, sizes[0])


def line(name: str, f: Figures) -> None:
    print(f"{name:<52} {f.rate:7.0f} pages/s   p50 {f.p50:6.2f} ms   p99 {f.p99:6.2f} ms"
          f"   {f.size // 1024} KiB")


async def main(seconds: float, connections: int, items: int, workers: int = 1) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "var"
        await seed(data, items)
        read_db = str(data / "read.db")
        print(f"{items} published proposals, SQLite, serve --workers {workers}, "
              f"{connections} keep-alive connections, "
              f"{seconds:.0f} s per line, load generator on the same machine")
        results: dict[str, Figures] = {}
        for label, extra in (("parlons", {}), ("parlons, page cache off",
                                               {"PARLONS_PAGE_CACHE_ENTRIES": "0"})):
            port = free_port()
            proc = start(["-m", "services.runtime", "serve", "--workers", str(workers),
                          "--port", str(port)],
                         {**ENV, "PARLONS_DATA_DIR": str(data), **extra},
                         Path(tmp) / f"{label[:7]}-{port}.log",
                         f"http://127.0.0.1:{port}/readyz")
            try:
                paths = ((PAGE, "proposals list (20)"), ("/", "home"),
                         (f"/consultations/{SLUG}", "consultation page"))
                for path, name in paths if not extra else paths[:1]:
                    results[f"{label}: {name}"] = f = await load(port, path, seconds,
                                                                 connections)
                    line(f"{label}: {name}", f)
            finally:
                stop(proc)
        port = free_port()
        code = (f"import sys; sys.path.insert(0, {str(ROOT)!r}); "
                f"from bench.pages import serve_naive; serve_naive({port}, {read_db!r}, 20)")
        naive = start(["-c", code], {}, Path(tmp) / "naive.log",
                      f"http://127.0.0.1:{port}{NAIVE}")
        try:
            results["naive"] = f = await load(port, NAIVE, seconds, connections)
            line("naive: Starlette + Jinja + sqlite3, query per item", f)
        finally:
            stop(naive)
        parlons = results["parlons: proposals list (20)"]
        print(f"proposals list vs naive page: {parlons.rate / f.rate:.2f}x pages/s")
        ok = (min(r.rate for k, r in results.items() if k.startswith("parlons:")) >= 2000
              and max(r.p99 for k, r in results.items() if k.startswith("parlons:")) <= 50
              and parlons.rate >= 2 * f.rate)
        print("target >= 2,000 pages/s, p99 <= 50 ms, >= 2x naive: "
              f"{'met' if ok else 'NOT met'}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--items", type=int, default=200)
    parser.add_argument("--workers", type=int, default=1)
    a = parser.parse_args()
    asyncio.run(main(a.seconds, a.connections, a.items, a.workers))
