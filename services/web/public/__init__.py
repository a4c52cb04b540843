"""The public pages of a consultation: home, consultation, articles, documents,
videos, meetings, minutes, commissions (cacheable, no JavaScript needed)."""

from __future__ import annotations

from fastapi import FastAPI

from services.web.deps import Web


def install(app: FastAPI, web: Web) -> None:
    from services.web.public import pages

    app.include_router(pages.routes(web))
