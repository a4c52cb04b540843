"""Times are shown in Europe/Paris on every page (issue #18): a meeting entered at
18:00 is stored in UTC and read back « 18 h 00 », summer and winter."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from services.web.rendering import french_date, french_datetime


@pytest.mark.parametrize("stored", [
    "2026-07-02T16:00:00+00:00",  # summer: UTC+2
    "2027-01-14T17:00:00+00:00",  # winter: UTC+1
    datetime(2026, 7, 2, 16, 0, tzinfo=UTC),
    "2026-07-02T16:00:00",  # naive: events keep UTC
])
def test_a_meeting_at_six_in_the_evening_in_paris_reads_18_h_00(
        stored: str | datetime) -> None:
    assert french_datetime(stored).endswith("à 18 h 00")


def test_the_day_is_the_day_in_paris_and_a_plain_date_stays_itself() -> None:
    assert french_date("2026-12-31T23:30:00+00:00") == "1 janvier 2027"
    assert french_date("2026-12-31") == "31 décembre 2026"
    assert french_date(date(2026, 12, 31)) == "31 décembre 2026"
    assert french_datetime("") == "" and french_datetime("pas une date") == ""
