"""Where an anonymous public page's time goes (ADR 0071): the runtime's whole app
(every middleware, the workers running as under `parlons serve`) on the seeded
data folder of bench/pages.py, called over ASGI, under pyinstrument (a dev
dependency, installed by `make install`). Prints the store reads per request (0
when the page cache answers) and pyinstrument's tree.

    .venv/bin/python bench/profile_pages.py [--path /consultations/velo/propositions]
        [--requests 3000] [--no-cache]      (PROFILE_ALL=1: every frame shown)
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.pages import ENV, PAGE, seed


async def get(app: Any, path: str) -> int:
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
             "method": "GET", "scheme": "http", "path": path, "raw_path": path.encode(),
             "query_string": b"", "root_path": "", "headers": [(b"host", b"127.0.0.1")],
             "client": ("127.0.0.1", 1), "server": ("127.0.0.1", 80)}
    status = 0

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]

    await app(scope, receive, send)
    return status


async def main(path: str, requests: int, cache: bool) -> None:
    from pyinstrument import Profiler

    from services.runtime.app import create_app
    from services.runtime.bootstrap import bootstrap
    from services.runtime.runner import running
    from services.runtime.settings import Settings

    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "var"
        await seed(data, 200)
        os.environ.update({**ENV, "PARLONS_DATA_DIR": str(data)})
        if not cache:
            os.environ["PARLONS_PAGE_CACHE_ENTRIES"] = "0"
        container = bootstrap(Settings(data_dir=data))
        async with running(container):
            app = create_app(container)
            for _ in range(100):
                assert await get(app, path) == 200
            store: Any = container.store
            before = store.queries
            profiler = Profiler(async_mode="disabled")
            started = time.perf_counter()
            profiler.start()
            for _ in range(requests):
                await get(app, path)
            profiler.stop()
            elapsed = time.perf_counter() - started
            print(f"{path}: {requests / elapsed:.0f} requests/s in process (profiled), "
                  f"{(store.queries - before) / requests:.2f} store reads per request")
            every_frame = os.environ.get("PROFILE_ALL") == "1"  # FastAPI's frames too
            print(profiler.output_text(unicode=False, color=False, show_all=every_frame))


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--path", default=PAGE)
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--no-cache", action="store_true")
    a = parser.parse_args()
    asyncio.run(main(a.path, a.requests, not a.no_cache))
