"""What the synthesis statistics and open data contribute to the composition
root (services/runtime/bootstrap.py): projections, handlers, JSON router, pages."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from services.core.projection import Projection
from services.synthesis.opendata.settings import (
    OpenDataSettingsProjection,
    SetOpenDataPublication,
    set_opendata_publication,
)
from services.synthesis.stats.projection import ClosedStatsProjection

if TYPE_CHECKING:
    from fastapi import FastAPI

    from services.runtime.bootstrap import Container

PROJECTIONS: tuple[Callable[..., Projection], ...] = (ClosedStatsProjection,
                                                      OpenDataSettingsProjection)
HANDLERS: Mapping[type, Callable[..., Any]] = {
    SetOpenDataPublication: set_opendata_publication}


def install(app: FastAPI, container: Container) -> None:
    """The back-office and public pages, when the web front end is installed."""
    if getattr(app.state, "parlons_web", None) is None:
        return
    from services.web.synthesis_stats_pages import install_stats_web

    install_stats_web(app, container)
