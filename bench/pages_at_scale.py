"""Every page reachable by link, timed on a large data folder (not a speed
benchmark with a baseline: a probe for pages whose cost grows with the data).

A data folder is written through the whole app, as a server writes it (untimed):
bench/vote.py's seeded vote consultation and a Grand Débat with its "Fiscalité"
questionnaire, `--responses` answers, `--proposals` proposals (in the vote
consultation) and `--ballots` ballots, each from another participant; then, with
`--polis N`, a planted Pol.is conversation of N participants imported into the
Grand Débat (as `parlons polis import` does); the projections catch up before it
is kept. `parlons serve` then runs on it, and three
visitors follow every link from where they start, each page shape once (ids
collapsed), each page asked `--views` times in a row:
- the public, from `/`;
- a participant (« participer sans compte »), from `/`, `/compte`, their votes
  and the vote consultation's sequence `/vote/<cid>`;
- the administrator, from `/admin`.

Prints, for each visitor, the pages whose first view took longest, with their
later views: a page slow on every view reads something that grows with the
data on each request (ADR 0039 found four).

    .venv/bin/python bench/pages_at_scale.py [--responses 30000] [--proposals 30000]
        [--ballots 20000] [--polis 33000] [--views 3] [--pages 400] [--keep DIR]
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlparse

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from bench.api_sessions import ENV  # noqa: E402
from bench.servers import cpu_seconds, free_port, start, stop  # noqa: E402

PASSWORD = "mot-de-passe-du-banc-d-essai"
GRAND_DEBAT = "gd"
_ID = re.compile(r"/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f-]{19,}[^/]*|/(item|p)-[0-9a-z-]+")
_SKIPPED = ("/static", "deconnexion", "logout")
_FILES = (".csv", ".json", ".xlsx", ".zip", ".ics", ".pdf")

Timed = tuple[str, int, list[float]]  # url, status, milliseconds of each view


async def write_data(folder: Path, args: argparse.Namespace) -> None:
    """The data folder, written through the app (untimed), copied to `folder`."""
    from harness.consultations import grand_debat
    from harness.processes import SEEDED_VOTE

    from bench.profile_api import run, seeded_platform
    from bench.profile_consumers import catch_up
    from services.runtime.cli import rebuild_all
    from services.runtime.worker import Worker, WorkerTuning

    async with seeded_platform() as (container, app, items):
        await grand_debat(container, GRAND_DEBAT, "grand-debat", moderation="post")
        await rebuild_all(container)  # the questionnaire as the deposits' handler reads it
        for what, count, where in (("response", args.responses, GRAND_DEBAT),
                                   ("proposal", args.proposals, SEEDED_VOTE),
                                   ("ballot", args.ballots, SEEDED_VOTE)):
            for first in range(0, count, 5000):  # requests prepared a slice at a time
                await run(app, what, first, min(5000, count - first), items, where)
        if args.polis:
            print(await import_polis(container, args.polis))
        tuning = WorkerTuning(batch_size=500, poll_timeout=0.05, paced_batch=2**31)
        await catch_up([Worker(c, log=container.log, store=container.store,
                               clock=container.clock, metrics=container.metrics,
                               tuning=tuning) for c in container.processes])
        await rebuild_all(container)
        # nothing writes any more: the files with their WAL are the platform's state
        shutil.copytree(container.settings.data_dir, folder)


async def import_polis(container: Any, participants: int) -> str:
    """A planted conversation imported into the Grand Débat, as `parlons polis
    import` does, before the projections catch up (the server starts on a data
    folder whose read models hold it)."""
    from harness.planted_polis import planted_conversation
    from harness.platform import SYSTEM

    from services.synthesis.conversations.handlers import ImportConversation
    from services.synthesis.polis.staging import stage_export

    with tempfile.TemporaryDirectory() as tmp:
        planted_conversation(Path(tmp), participants=participants, statements=80, meta=3)
        files = await stage_export(Path(tmp), container.blobs)
    report = await container.handle(ImportConversation(GRAND_DEBAT, files), SYSTEM)
    return f"Pol.is conversation imported: {report}"


def _env(folder: Path) -> dict[str, str]:
    import os

    from services.web.passwords import hash_password

    return {**os.environ, **ENV, "PARLONS_DATA_DIR": str(folder),
            "PARLONS_ADMIN_USER": "admin", "PARLONS_ADMIN_PASSWORD_HASH": hash_password(PASSWORD)}


def _shape(url: str) -> str:
    parsed = urlparse(url)
    return _ID.sub("/{id}", parsed.path) + ("?" + re.sub(r"=[^&]*", "=", parsed.query)
                                             if parsed.query else "")


def crawl(client: httpx.Client, base: str, start_at: list[str], pages: int,
          views: int) -> list[Timed]:
    """Each page shape once, breadth first from `start_at`, asked `views` times."""
    host = urlparse(base).netloc
    queue, shapes = collections.deque(start_at), set()
    timed: list[Timed] = []
    while queue and len(timed) < pages:
        url = queue.popleft()
        if _shape(url) in shapes:
            continue
        shapes.add(_shape(url))
        took, response = [], None
        for _ in range(views):
            began = time.perf_counter()
            response = client.get(url)
            took.append((time.perf_counter() - began) * 1000)
        assert response is not None
        timed.append((url, response.status_code, took))
        if "text/html" not in response.headers.get("content-type", ""):
            continue
        for href in re.findall(r'href="([^"#]+)"', response.text):
            link = urljoin(str(response.url), href.replace("&amp;", "&"))
            parsed = urlparse(link)
            if parsed.netloc == host and not any(s in parsed.path for s in _SKIPPED) \
                    and not parsed.path.endswith(_FILES):
                queue.append(link)
    return timed


def settled(pid: int, *, idle: float = 0.1, bound_s: float = 300.0) -> float:
    """Seconds until the server's processes use under `idle` of a core over a
    second (its projections process catches up after a start), at most `bound_s`:
    pages timed meanwhile would share the cores with it."""
    began = time.monotonic()
    while time.monotonic() - began < bound_s:
        before = cpu_seconds(pid)
        time.sleep(1.0)
        if cpu_seconds(pid) - before < idle:
            break
    return time.monotonic() - began


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    if found is None:
        raise SystemExit("no CSRF token on the sign-in form")
    return found.group(1)


def visitors(base: str) -> dict[str, tuple[httpx.Client, list[str]]]:
    from harness.processes import SEEDED_VOTE

    public = httpx.Client(base_url=base, follow_redirects=True, timeout=300)
    participant = httpx.Client(base_url=base, follow_redirects=True, timeout=300)
    form = participant.get("/connexion").text
    participant.post("/participer/anonyme", data={"csrf_token": _csrf(form), "suite": "/compte"})
    admin = httpx.Client(base_url=base, follow_redirects=True, timeout=300)
    form = admin.get("/admin/connexion?suite=/admin").text
    signed_in = admin.post("/admin/connexion", data={
        "csrf_token": _csrf(form), "suite": "/admin", "utilisateur": "admin",
        "mot_de_passe": PASSWORD})
    if "/admin/connexion" in str(signed_in.url):
        raise SystemExit("the administrator could not sign in")
    return {"public": (public, [f"{base}/"]),
            "participant": (participant, [f"{base}/", f"{base}/compte", f"{base}/mes-votes",
                                          f"{base}/vote/{SEEDED_VOTE}"]),
            "administrator": (admin, [f"{base}/admin"])}


def report(who: str, timed: list[Timed], shown: int = 12) -> None:
    print(f"{who}: {len(timed)} pages; the slowest first views (ms, then the later views):")
    for url, status, took in sorted(timed, key=lambda t: -t[2][0])[:shown]:
        later = " ".join(f"{t:.0f}" for t in took[1:])
        print(f"  {took[0]:7.0f}  {later:>16}  {status}  {urlparse(url).path}"
              + (f"?{urlparse(url).query}" if urlparse(url).query else ""))


async def main(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(args.keep) if args.keep else Path(tmp) / "data"
        if args.keep and folder.exists():
            print(f"data folder kept from an earlier run: {folder}")
        else:
            began = time.perf_counter()
            await write_data(folder, args)
            print(f"data written in {time.perf_counter() - began:.0f} s (untimed):"
                  f" {args.responses:,} answers, {args.proposals:,} proposals,"
                  f" {args.ballots:,} ballots")
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        proc = start(["-m", "services.runtime", "serve", "--workers", "1", "--port", str(port)],
                     {k: v for k, v in _env(folder).items() if k.startswith("PARLONS_")},
                     Path(tmp) / "serve.log", f"{base}/readyz")
        try:
            print(f"server settled after {settled(proc.pid):.0f} s")
            for who, (client, start_at) in visitors(base).items():
                report(who, crawl(client, base, start_at, args.pages, args.views))
        finally:
            stop(proc)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--responses", type=int, default=30_000)
    parser.add_argument("--proposals", type=int, default=30_000)
    parser.add_argument("--ballots", type=int, default=20_000)
    parser.add_argument("--polis", type=int, default=33_000,
                        help="participants of a planted Pol.is conversation (0: none)")
    parser.add_argument("--views", type=int, default=3, help="views of each page in a row")
    parser.add_argument("--pages", type=int, default=400, help="pages at most per visitor")
    parser.add_argument("--keep", help="the data folder: written there once, reused after")
    asyncio.run(main(parser.parse_args()))
