"""Pages/s and p99 of the consultation page and of a 1,000-item list page (page of
20) through the real web app (in-process ASGI, SQLite read store), beside a naive
baseline rendering the same list page ORM-style (one query per item), measured in
the same run. Target: >= 1,500 pages/s, p99 <= 50 ms (2 cores).

    .venv/bin/python bench/pages.py [--seconds 3] [--http-workers N]

`--http-workers N` also loads the same two pages through HTTP: `parlons serve
--workers N` over the seeded data folder, 32 keep-alive connections (aiohttp, this
process), so 1 and 2 compare one process with several (ADR 0070).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from services.store.sqlite import SqliteReadStore
from services.web import views
from services.web.app import create_web_app
from services.web.deps import WebDeps
from services.web.rendering import public_page
from services.web.settings import WebSettings

ITEMS = 1000
CID = "c1"


async def seed(store: SqliteReadStore) -> None:
    doc = {"id": CID, "slug": "velo", "title": "Le vélo au quotidien", "summary": "Résumé",
           "published": True, "organiser": "Métropole",
           "phases": [{"phase_id": f"p{i}", "kind": "information", "title": f"Phase {i}",
                       "description": "", "starts_at": f"20{20 + i}-01-01T00:00:00Z",
                       "ends_at": f"20{21 + i}-01-01T00:00:00Z", "actions": ["deposit"]}
                      for i in range(5)],
           "questionnaires": [{"questionnaire_id": "q1", "title": "Vos trajets",
                               "position": 0, "theme_id": None, "question_count": 12}],
           "commissions": [], "counts": {"articles": ITEMS, "documents": 0, "videos": 0,
                                         "meetings": 0}}
    async with store.transaction() as tx:
        await tx.put("consultation_slugs", "all", "velo", {"id": CID})
        await tx.put("consultation_detail", "all", CID, doc)
        await tx.put("published_consultations", "all", CID, doc)
        for i in range(ITEMS):
            aid = f"a{i:05d}"
            await tx.put("published_articles", CID, aid, {
                "article_id": aid, "consultation_id": CID, "title": f"Article numéro {i}",
                "summary": "Un chapeau de quelques mots pour l'article.",
                "body_html": "<p>Texte</p>", "published": True, "kind": "article",
                "published_at": "2024-01-01T00:00:00Z"})


class Asgi:
    """Calls the ASGI app directly: measures the app, not an HTTP client."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def get(self, path: str, query: str = "") -> int:
        scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
                 "method": "GET", "scheme": "http", "path": path, "raw_path": path.encode(),
                 "query_string": query.encode(), "root_path": "", "headers": [],
                 "client": ("127.0.0.1", 1), "server": ("127.0.0.1", 80)}
        status = 0

        async def receive() -> dict[str, Any]:
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]

        await self.app(scope, receive, send)
        return status


async def measure(name: str, call: Any, seconds: float) -> tuple[float, float]:
    for _ in range(50):
        await call()  # warm up (template compilation, caches)
    latencies: list[float] = []
    start = time.perf_counter()
    while time.perf_counter() - start < seconds:
        t0 = time.perf_counter()
        assert await call() == 200
        latencies.append(time.perf_counter() - t0)
    elapsed = time.perf_counter() - start
    latencies.sort()
    rate, p99 = len(latencies) / elapsed, latencies[int(len(latencies) * 0.99)] * 1000
    print(f"{name:<44} {rate:8.0f} pages/s   p99 {p99:6.2f} ms")
    return rate, p99


async def over_http(data: Path, workers: int, seconds: float) -> None:
    """The two pages through `parlons serve --workers N` over `data`."""

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from vote import start, stop

    env = {"PARLONS_DATA_DIR": str(data), "PARLONS_LOG_LEVEL": "WARNING",
           "PARLONS_WORKER_METRICS_PORT": "0", "PARLONS_SERVE_JOBS_AFTER_S": "0"}
    proc, url = start(["-m", "services.runtime", "serve", "--workers", str(workers),
                       "--port"], env, data / "serve.log")
    try:
        for name, path in (("consultation page", "/consultations/velo"),
                           ("list page 3 of 50 (20 items)", "/consultations/velo/articles"
                                                            "?page=3")):
            rate, p99 = await _load(f"{url}{path}", seconds)
            print(f"HTTP --workers {workers}: {name:<29} {rate:8.0f} pages/s   "
                  f"p99 {p99:6.2f} ms")
    finally:
        stop(proc)


async def _load(url: str, seconds: float, connections: int = 32) -> tuple[float, float]:
    import aiohttp

    latencies: list[float] = []
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=connections)) as s:
        async def client(warm_until: float, stop_at: float) -> None:
            while (t0 := time.perf_counter()) < stop_at:
                async with s.get(url) as r:
                    await r.read()
                    assert r.status == 200, r.status
                if t0 >= warm_until:
                    latencies.append(time.perf_counter() - t0)

        now = time.perf_counter()
        await asyncio.gather(*(client(now + 1, now + 1 + seconds)
                               for _ in range(connections)))
    latencies.sort()
    return len(latencies) / seconds, latencies[int(len(latencies) * 0.99)] * 1000


async def main(seconds: float, http_workers: int | None = None) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        store = SqliteReadStore(Path(tmp) / "read.db")
        await store.start()
        await seed(store)

        async def send(command: object) -> None:
            raise AssertionError("no command in a page benchmark")

        app = create_web_app(WebDeps(store=store, send=send,
                                     settings=WebSettings(environment="bench", secret_key="b")))
        client = Asgi(app)

        async def naive_list() -> int:
            # The same page, ORM-style: the list's keys, then one query per article.
            c = await views.consultation_by_slug(store, "velo")
            assert c is not None
            keys = [k for k, _ in await store.list("published_articles", CID, limit=ITEMS,
                                                  reverse=True)][40:60]
            items = [await store.get("published_articles", CID, k) for k in keys]
            page = views.Page([i for i in items if i], 3, ITEMS // 20, ITEMS)
            response = public_page(_Request(), env, "public/articles.html",
                                   {"consultation": c, "page": page})
            return response.status_code

        from services.web.app import build_web
        env = build_web(WebDeps(store=store, send=send, settings=WebSettings(
            environment="bench", secret_key="b"))).env

        print(f"{ITEMS} published articles, SQLite read store, {seconds:.0f} s per line")
        rate_c, p99_c = await measure("consultation page", lambda: client.get(
            "/consultations/velo"), seconds)
        rate_l, p99_l = await measure("list page 3 of 50 (20 items)", lambda: client.get(
            "/consultations/velo/articles", "page=3"), seconds)
        rate_n, _p99_n = await measure("baseline: same list, one query per item",
                                      naive_list, seconds)
        print(f"list page vs naive baseline: {rate_l / rate_n:.2f}x pages/s")
        ok = min(rate_c, rate_l) >= 1500 and max(p99_c, p99_l) <= 50
        print(f"target >= 1,500 pages/s and p99 <= 50 ms: {'met' if ok else 'NOT met'}")
        await store.close()
        if http_workers:
            await over_http(Path(tmp), http_workers, seconds)


class _Request:
    """Enough of a request for `public_page` outside the app (baseline)."""

    headers: dict[str, str] = {}


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--http-workers", type=int, metavar="N",
                        help="also through HTTP: parlons serve --workers N")
    args = parser.parse_args()
    asyncio.run(main(args.seconds, args.http_workers))
