"""The method card's scenario (issue #18) in a real headless Chromium (see
method_card.mjs), organised only through the back office: irritants deposited,
moderated and voted agree / disagree with qualifications, solutions deposited
and ranked, each vote phase serving only its items, a synthesis run and
published by an analyst, a follow-up answer reaching a contributor. The phases
move as an organiser moves them: by re-dating them in the phases form (minute
precision, so the journey waits for each new phase's first minute). Against a
real Parlons with nothing seeded (serve_method_card.py)."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from harness.e2e import BROWSER, PASSWORD, served
from harness.processes import ROOT

HERE = Path(__file__).parent

pytestmark = BROWSER


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, list[str]]]:
    with served("serve_method_card.py", tmp_path) as started:
        yield started


def test_method_card_through_the_back_office_with_accessibility(
        server: tuple[str, list[str]]) -> None:
    base, _ = server
    result = subprocess.run(["node", str(HERE / "method_card.mjs"), base, "orga", PASSWORD],
                            cwd=ROOT, capture_output=True, text=True, timeout=600)
    print(result.stdout)
    assert result.returncode == 0, result.stdout + result.stderr
