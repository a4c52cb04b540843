"""The back office's phase dates, as the form shows them and reads them back (Paris
time): saving the form again leaves every phase where it was, to the second."""

from __future__ import annotations

import pytest

from services.core.values import parse_iso
from services.web.backoffice.consultations import parse_local, to_local_input


@pytest.mark.parametrize("iso, shown", [
    ("2026-12-05T08:00:00+00:00", "2026-12-05T09:00"),  # a whole minute: no seconds shown
    ("2026-12-05T03:49:27+00:00", "2026-12-05T04:49:27"),  # set to the second: kept
    ("2026-07-01T16:30:00+00:00", "2026-07-01T18:30"),  # summer time
])
def test_a_phase_date_shown_then_read_back_is_the_same_instant(iso: str, shown: str) -> None:
    assert to_local_input(iso) == shown
    assert parse_local(shown, "starts_at") == parse_iso(iso)


def test_no_date_shows_an_empty_field() -> None:
    assert to_local_input(None) == ""
