"""The moderation pages: a consultation's queue, items and campaigns, and its
charter (the back-office guard checks the roles)."""

from __future__ import annotations

from fastapi import FastAPI

from services.web.deps import Web


def install(app: FastAPI, web: Web) -> None:
    from services.web.moderation import charter, queue

    app.include_router(queue.routes(web))
    app.include_router(charter.routes(web))
