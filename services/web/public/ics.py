"""ICS export of a meeting (the calendar text itself is the consultation service's)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from services.web.rendering import etag_of


def calendar_response(request: Request, meeting: dict[str, Any]) -> Response:
    from services.consultation.ics import meeting_ics
    from services.core.values import parse_iso

    # A stamp from the data, not the clock: the same meeting gives the same bytes (ETag).
    stamp = parse_iso(meeting.get("updated_at") or meeting["starts_at"])
    body = meeting_ics(meeting, stamp=stamp, base_url=str(request.base_url).rstrip("/")).encode()
    etag = etag_of(body)
    headers = {"ETag": etag, "Cache-Control": "public, no-cache",
               "Content-Disposition": 'attachment; filename="rencontre.ics"'}
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers=headers)
    return Response(body, media_type="text/calendar; charset=utf-8", headers=headers)
