"""The synthesis pages: the public synthesis and follow-up, the analyst's theme
runs, closed-question statistics and open-data publication."""

from __future__ import annotations

from fastapi import FastAPI

from services.web.deps import Web


def install(app: FastAPI, web: Web) -> None:
    from services.web.synthesis import admin, pages, stats_pages

    app.include_router(pages.routes(web))
    app.include_router(admin.routes(web))
    app.include_router(stats_pages.routes(web, web.deps.data_dir / "opendata"))
