"""ICS export of a meeting (the calendar text itself is the consultation service's)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from services.web.rendering import etag_of


def calendar_response(request: Request, meeting: dict[str, Any]) -> Response:
    from services.consultation.ics import meeting_ics

    body = meeting_ics(meeting).encode()
    etag = etag_of(body)
    headers = {"ETag": etag, "Cache-Control": "public, no-cache",
               "Content-Disposition": 'attachment; filename="rencontre.ics"'}
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers=headers)
    return Response(body, media_type="text/calendar; charset=utf-8", headers=headers)
