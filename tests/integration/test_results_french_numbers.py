"""The vote results page shows numbers the French way, through one filter
(`number_fr`): a decimal comma (« 66,7 % », not « 66.7 % ») and thousands
grouped by a narrow no-break space."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from harness.consultations import VOTE_CID, open_vote
from harness.platform import SYSTEM, Platform, open_platform, until

from services.core.participants import ParticipantContext
from services.vote.commands import CastBallot
from services.web.rendering import french_number


@pytest.fixture
async def platform(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Platform]:
    async with open_platform(tmp_path, monkeypatch) as p:
        await open_vote(p)
        yield p


def test_french_number() -> None:
    assert french_number(77.5, 1) == "77,5"
    assert french_number(12345) == "12\u202f345"
    assert french_number(1234567.25, 2) == "1\u202f234\u202f567,25"
    assert french_number(3) == "3" and french_number(None) == ""


async def test_shares_by_identity_level_have_a_decimal_comma(platform: Platform) -> None:
    p = platform
    for n, level in enumerate(("email", "email", "verified")):
        await p.container.handle(CastBallot("item-0", ParticipantContext(f"p-v{n}", level),
                                            "agree", "agree"), SYSTEM)

    async def shown() -> str:
        page = (await p.client().get(f"/vote/{VOTE_CID}/resultats")).text
        # « 1 vote », « 2 votes » (it said « vote(s) »)
        return page if ": 2 votes, " in page and ": 1 vote, " in page else ""
    await until(shown)
    page = await shown()
    assert "66,7&nbsp;%" in page and "33,3&nbsp;%" in page
    assert not re.search(r"\d\.\d+\s*%", page)
