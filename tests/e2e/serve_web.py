"""Starts a real Parlons (embedded SQLite in PARLONS_DATA_DIR, projection workers,
uvicorn) with the web front end, on the port given as argv[1]. Used by the e2e
test; stops on SIGTERM."""

from __future__ import annotations

import asyncio
import sys

import uvicorn

from services.runtime.app import create_app
from services.runtime.bootstrap import bootstrap
from services.runtime.runner import running
from services.runtime.settings import Settings
from services.web.wiring import install


async def main(port: int) -> None:
    container = bootstrap(Settings(worker_poll_timeout=0.05))
    app = create_app(container)
    if not any(getattr(r, "path", "") == "/admin" for r in app.routes):
        install(app, container)  # until the runtime lists the "web" service itself
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                            lifespan="off", access_log=False)
    async with running(container):
        await uvicorn.Server(config).serve()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1])))
