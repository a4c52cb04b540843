"""Starts a real Parlons (embedded SQLite in PARLONS_DATA_DIR, projection workers,
uvicorn) with the web front end, on the port given as argv[1]. Used by the e2e
tests; stops on SIGTERM. The other serve_*.py scripts call `serve` with a seed."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable

import uvicorn

from services.runtime.app import create_app
from services.runtime.bootstrap import Container, bootstrap
from services.runtime.runner import running
from services.runtime.settings import Settings

Seed = Callable[[Container], Awaitable[str]]


async def serve(port: int, seed: Seed | None = None) -> None:
    """Serve on `port`; first, with the workers running, `seed` writes a journey's
    data and returns words the test needs, printed as `seeded <words>` (see
    test_participant_e2e.served)."""
    container = bootstrap(Settings(worker_poll_timeout=0.05))
    app = create_app(container)
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                            lifespan="off", access_log=False)
    async with running(container):
        if seed is not None:
            print(f"seeded {await seed(container)}", flush=True)
        await uvicorn.Server(config).serve()


if __name__ == "__main__":
    asyncio.run(serve(int(sys.argv[1])))
