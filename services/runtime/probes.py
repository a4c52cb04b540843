"""What a process answers about itself: readiness (the event log and the read
store answer a ping, within a bound), refreshed into `parlons_ready` at every
/readyz and every scrape of /metrics, and the small HTTP app a worker process
serves on its metrics port (/healthz, /readyz, /metrics; no other route)."""

from __future__ import annotations

import asyncio
import logging

from prometheus_client import CONTENT_TYPE_LATEST
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from services.runtime.bootstrap import Container
from services.runtime.metrics import STARTING

log = logging.getLogger("parlons.access")
PING_TIMEOUT_S = 2.0


async def not_ready(container: Container) -> list[str]:
    """The components that did not answer their ping (empty: ready). Sets
    `parlons_ready{component}`."""
    failed = []
    for name, component in (("event_log", container.log), ("read_store", container.store)):
        try:
            await asyncio.wait_for(component.ping(), PING_TIMEOUT_S)
        except Exception as exc:
            log.warning("not ready", extra={"component": name, "error": type(exc).__name__})
            failed.append(name)
        container.metrics.ready.labels(component=name).set(0 if name in failed else 1)
    for part in STARTING:
        container.metrics.starting.labels(part=part).set(int(part in container.starting))
    return failed


async def readiness_response(container: Container, *, workers: bool = False) -> JSONResponse:
    """/readyz. Not ready either while a part of the process is still getting ready
    (`Container.starting`, ADR 0123). `workers`: a worker process is also not ready
    once its workers stopped because the log lost what they had seen (ADR 0032)."""
    failed = await not_ready(container)
    if workers and container.halted.is_set():
        failed.append("workers")
    failed.extend(sorted(container.starting))
    if failed:
        return JSONResponse({"status": "unavailable", "failed": failed}, status_code=503)
    return JSONResponse({"status": "ready"})


async def metrics_response(container: Container) -> Response:
    await not_ready(container)
    return Response(container.metrics.render(), media_type=CONTENT_TYPE_LATEST)


def worker_app(container: Container) -> Starlette:
    """The HTTP side of `parlons worker`: probes and metrics only."""

    async def healthz(_: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def readyz(_: Request) -> Response:
        return await readiness_response(container, workers=True)

    async def metrics(_: Request) -> Response:
        return await metrics_response(container)

    return Starlette(routes=[Route("/healthz", healthz), Route("/readyz", readyz),
                             Route("/metrics", metrics)])
