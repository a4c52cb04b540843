"""ICS export of a meeting (the calendar text itself is the consultation service's)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from services.web.page_cache import not_kept
from services.web.rendering import etag_of

# The stamp the ETag is computed with: the ETag says the meeting, not the moment.
_ETAG_STAMP = datetime(2000, 1, 1, tzinfo=UTC)


def calendar_response(request: Request, meeting: dict[str, Any]) -> Response:
    from services.consultation.ics import meeting_ics

    base_url = str(request.base_url).rstrip("/")
    # DTSTAMP is when the file was made (RFC 5545 §3.8.7.2, in UTC), so no two
    # answers are the same bytes: not kept by the page cache, and a weak ETag, that
    # of the same file stamped with a fixed instant (a copy stays valid while the
    # meeting is the same).
    not_kept(request.scope)
    etag = "W/" + etag_of(meeting_ics(meeting, stamp=_ETAG_STAMP, base_url=base_url).encode())
    headers = {"ETag": etag, "Cache-Control": "public, no-cache",
               "Content-Disposition": 'attachment; filename="rencontre.ics"'}
    asked = {t.strip().removeprefix("W/") for t in request.headers.get("if-none-match", "")
             .split(",")}
    if etag.removeprefix("W/") in asked:
        return Response(status_code=304, headers=headers)
    body = meeting_ics(meeting, stamp=datetime.now(UTC), base_url=base_url).encode()
    return Response(body, media_type="text/calendar; charset=utf-8", headers=headers)
