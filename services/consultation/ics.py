"""iCalendar (RFC 5545) export of meetings: CRLF line ends, escaped text, lines
folded at 75 octets, times in Europe/Paris (`TZID` with its `VTIMEZONE`, so a
calendar shows 18:00 for a meeting at 18:00 in Paris, summer and winter alike;
DTSTAMP stays UTC as the RFC requires)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from services.core.values import parse_iso

PRODID = "-//Parlons//Consultations//FR"
MEETING_PATH = "/evenements/{meeting_id}"  # the public meeting page
PARIS = ZoneInfo("Europe/Paris")
# France's rule since 1996: summer time from the last Sunday of March, 02:00, to
# the last Sunday of October, 03:00.
VTIMEZONE = [
    "BEGIN:VTIMEZONE", "TZID:Europe/Paris",
    "BEGIN:DAYLIGHT", "TZOFFSETFROM:+0100", "TZOFFSETTO:+0200", "TZNAME:CEST",
    "DTSTART:19700329T020000", "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU", "END:DAYLIGHT",
    "BEGIN:STANDARD", "TZOFFSETFROM:+0200", "TZOFFSETTO:+0100", "TZNAME:CET",
    "DTSTART:19701025T030000", "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU", "END:STANDARD",
    "END:VTIMEZONE",
]


def escape_text(value: str) -> str:
    """RFC 5545 §3.3.11: backslash, semicolon, comma escaped; newlines as \\n."""
    return (value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n"))


def fold(line: str) -> str:
    """Split a content line into chunks of at most 75 octets, never inside a
    UTF-8 character; continuation lines start with a space (§3.1)."""
    out: list[str] = []
    current, size = "", 0
    for ch in line:
        n = len(ch.encode("utf-8"))
        if size + n > 75:
            out.append(current)
            current, size = " ", 1
        current += ch
        size += n
    out.append(current)
    return "\r\n".join(out)


def _paris(value: str) -> str:
    return "TZID=Europe/Paris:" + parse_iso(value).astimezone(PARIS).strftime("%Y%m%dT%H%M%S")


def _event(meeting: dict[str, Any], *, stamp: datetime, base_url: str, url_path: str
           ) -> list[str]:
    place = ", ".join(p for p in (meeting["address"], meeting["postcode"] + " "
                                  + meeting["commune"] if meeting["postcode"] else "") if p)
    lines = [
        "BEGIN:VEVENT",
        f"UID:{meeting['meeting_id']}@parlons",
        f"DTSTAMP:{stamp.astimezone(UTC).strftime('%Y%m%dT%H%M%SZ')}",
        f"DTSTART;{_paris(meeting['starts_at'])}",
        f"DTEND;{_paris(meeting['ends_at'])}",
        f"SUMMARY:{escape_text(meeting['title'])}",
    ]
    if meeting.get("description"):
        lines.append(f"DESCRIPTION:{escape_text(meeting['description'])}")
    if place or meeting.get("online_url"):
        lines.append(f"LOCATION:{escape_text(place or meeting['online_url'])}")
    if meeting.get("latitude") is not None and meeting.get("longitude") is not None:
        lines.append(f"GEO:{meeting['latitude']:.6f};{meeting['longitude']:.6f}")
    if base_url:
        path = url_path.format(meeting_id=meeting["meeting_id"])
        lines.append(f"URL:{base_url.rstrip('/')}{path}")
    if meeting.get("cancelled"):
        lines.append("STATUS:CANCELLED")
    lines.append("END:VEVENT")
    return lines


def meetings_ics(meetings: Iterable[dict[str, Any]], *, stamp: datetime,
                 base_url: str = "", name: str = "", url_path: str = MEETING_PATH) -> str:
    """A VCALENDAR of MEETING read-model docs (see projections.py)."""
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:{PRODID}", "CALSCALE:GREGORIAN",
             "METHOD:PUBLISH"]
    if name:
        lines.append(f"X-WR-CALNAME:{escape_text(name)}")
    lines += VTIMEZONE
    for meeting in meetings:
        lines += _event(meeting, stamp=stamp, base_url=base_url, url_path=url_path)
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + "\r\n" for line in lines)


def meeting_ics(meeting: dict[str, Any], *, stamp: datetime, base_url: str = "",
                url_path: str = MEETING_PATH) -> str:
    return meetings_ics([meeting], stamp=stamp, base_url=base_url, url_path=url_path)
