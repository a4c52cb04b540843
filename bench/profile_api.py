"""Where a ballot's and a proposal's time goes (ADR 0075): the runtime's whole app
(every middleware; projection workers off, so that the request path alone is
measured) on the consultation of bench/vote.py, called over ASGI with a real
participant session (bench/api_sessions.py; the requests, their sessions signed,
are built before the clock starts), under pyinstrument (a dev
dependency). Prints requests/s in process, store reads per request and
pyinstrument's tree.

    .venv/bin/python bench/profile_api.py [--what ballot|proposal] [--requests 3000]
        (PROFILE_ALL=1: every frame shown; --no-profile: the rate alone;
         --cprofile: cProfile's functions by own time instead, CPU rather than waits)
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from bench.api_sessions import ENV, participant_headers

ITEMS = 200


# Reasons to lower taxes, for the answers to the Grand Débat's "Fiscalité" questionnaire.
TAXES = ("La taxe foncière", "La TVA sur les produits de première nécessité",
         "L'impôt sur le revenu des classes moyennes", "La taxe sur les carburants")


def request_of(what: str, n: int, items: list[str], consultation: str) -> tuple[str, bytes]:
    """Request `n` of its kind: a ballot on one of `items`, a proposal to `consultation`,
    or (`response`) an answer to the "fiscalite" questionnaire of `consultation`, a
    Grand Débat (tests/harness/consultations.py): "oui" and which taxes for two in
    three, "non" for the others."""
    if what == "response":
        answers: dict[str, Any] = {"impots": {"option_ids": ["oui" if n % 3 else "non"]}}
        if n % 3:
            answers["lesquels"] = {"text": f"{TAXES[n % len(TAXES)]}, pour commencer ({n})."}
        return (f"/api/consultations/{consultation}/questionnaires/fiscalite/responses",
                orjson.dumps({"answers": answers}))
    if what == "ballot":
        return (f"/api/items/{items[n % len(items)]}/ballot",
                orjson.dumps({"kind": "agree", "choice": "agree" if n % 3 else "disagree"}))
    return (f"/api/consultations/{consultation}/proposals",
            orjson.dumps({"title": f"Proposition {n}",
                          "body": "Relier les villages de la vallée par des pistes cyclables "
                                  "sûres et éclairées."}))


async def post(app: Any, path: str, body: bytes, headers: dict[str, str]) -> int:
    raw = [(b"host", b"127.0.0.1"), (b"content-type", b"application/json"),
           (b"content-length", str(len(body)).encode()),
           *((k.lower().encode(), v.encode()) for k, v in headers.items())]
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
             "method": "POST", "scheme": "http", "path": path, "raw_path": path.encode(),
             "query_string": b"", "root_path": "", "headers": raw,
             "client": ("127.0.0.1", 1), "server": ("127.0.0.1", 80)}
    status = 0
    sent = False

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if sent:
            await asyncio.sleep(3600)
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]

    await app(scope, receive, send)
    return status


Prepared = list[tuple[str, bytes, dict[str, str]]]


def prepare(what: str, start: int, count: int, items: list[str],
            consultation: str) -> Prepared:
    """The requests n = start .. start + count - 1: path, body and headers. Built
    before a measurement, so that the client's work (signing each participant's
    session and CSRF token) is not counted as the server's."""
    return [(*request_of(what, n, items, consultation),
             {**participant_headers(f"p-{what}-{n}"), "Idempotency-Key": f"k-{what}-{n}"})
            for n in range(start, start + count)]


async def run_prepared(app: Any, what: str, requests: Prepared, concurrency: int = 48) -> None:
    ok = {"ballot": 200, "proposal": 201, "response": 201}[what]

    async def one(path: str, body: bytes, headers: dict[str, str]) -> None:
        status = await post(app, path, body, headers)
        if status != ok:
            raise SystemExit(f"{path}: {status}")

    for first in range(0, len(requests), concurrency):
        await asyncio.gather(*(one(*r) for r in requests[first:first + concurrency]))


async def run(app: Any, what: str, start: int, count: int, items: list[str],
              consultation: str, concurrency: int = 48) -> None:
    await run_prepared(app, what, prepare(what, start, count, items, consultation),
                       concurrency)


@asynccontextmanager
async def seeded_platform() -> AsyncIterator[tuple[Any, Any, list[str]]]:
    """The runtime's container and whole app, workers off, over a data folder holding
    bench/vote.py's consultation and its items: (container, app, item ids)."""
    from harness.processes import seed_vote

    from services.runtime.app import create_app
    from services.runtime.bootstrap import bootstrap
    from services.runtime.runner import running
    from services.runtime.settings import Settings

    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "var"
        items = await seed_vote(data, ITEMS)
        os.environ.update({**ENV, "PARLONS_DATA_DIR": str(data)})
        container = bootstrap(Settings(data_dir=data))
        async with running(container, workers=False):
            yield container, create_app(container), items


async def main(what: str, requests: int, profile: bool, cprofile: bool,
               prepare_extra: int = 0) -> None:
    import cProfile
    import pstats

    from harness.processes import SEEDED_VOTE
    from pyinstrument import Profiler

    from services.runtime.heap import settle_after_start

    async with seeded_platform() as (container, app, items):
        await run(app, what, 0, 200, items, SEEDED_VOTE)
        settle_after_start()  # as `parlons serve` does before it serves
        store: Any = container.store
        # `prepare_extra` requests are built and never sent: two runs that differ in
        # the requests sent then do the same client work (bench/instructions.py)
        requests_made = prepare(what, 1000, requests + prepare_extra, items,
                                SEEDED_VOTE)[:requests]
        before = store.queries
        profiler = Profiler(async_mode="disabled")
        by_function = cProfile.Profile()
        started, cpu = time.perf_counter(), time.process_time()
        if cprofile:
            by_function.enable()
        elif profile:
            profiler.start()
        await run_prepared(app, what, requests_made)
        if cprofile:
            by_function.disable()
        elif profile:
            profiler.stop()
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
        print(f"{what}: {requests / elapsed:.0f} requests/s in process"
              f"{' (profiled)' if profile else ''}, {cpu / requests * 1e6:.0f} µs CPU "
              f"each, {(store.queries - before) / requests:.2f} store reads per request")
        if cprofile:
            pstats.Stats(by_function).sort_stats("tottime").print_stats(40)
        elif profile:
            every_frame = os.environ.get("PROFILE_ALL") == "1"
            print(profiler.output_text(unicode=False, color=False, show_all=every_frame))


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--what", choices=("ballot", "proposal"), default="ballot")
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--no-profile", action="store_true")
    parser.add_argument("--cprofile", action="store_true")
    parser.add_argument("--prepare-extra", type=int, default=0, metavar="N",
                        help="also build N requests never sent (bench/instructions.py)")
    a = parser.parse_args()
    asyncio.run(main(a.what, a.requests, not a.no_profile, a.cprofile, a.prepare_extra))
