"""The participation pages: proposals, arguments, comments, questionnaire answers,
a participant's own contributions."""

from __future__ import annotations

from fastapi import FastAPI

from services.web.deps import Web


def install(app: FastAPI, web: Web) -> None:
    from services.web.deposit import forms, pages

    app.include_router(forms.routes(web))
    app.include_router(pages.routes(web))
