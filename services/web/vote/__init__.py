"""The vote pages: the sequence, a participant's ballots, rankings, results and
their methodology, the recount page of the back office."""

from __future__ import annotations

from fastapi import FastAPI

from services.web.deps import Web


def install(app: FastAPI, web: Web) -> None:
    from services.web.vote import pages

    app.include_router(pages.routes(web))
