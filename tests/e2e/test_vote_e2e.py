"""The vote pages in a real headless Chromium (see vote_pages.mjs): from the
consultation page to the vote sequence as an anonymous participant, a ballot
through htmx and one through a plain form, « Mes votes » and a withdrawal, a
ranking, the results; the same vote with JavaScript off; axe-core on each page.
Against a real Parlons (serve_vote.py: six proposals, every kind of vote open)."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from harness.e2e import BROWSER, served
from harness.processes import ROOT

HERE = Path(__file__).parent

pytestmark = BROWSER


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, list[str]]]:
    with served("serve_vote.py", tmp_path) as started:
        yield started


def test_vote_pages_with_and_without_javascript_and_accessibility(
        server: tuple[str, list[str]]) -> None:
    base, (cid, slug) = server
    result = subprocess.run(["node", str(HERE / "vote_pages.mjs"), base, cid, slug],
                            cwd=ROOT, capture_output=True, text=True, timeout=240)
    print(result.stdout)
    assert result.returncode == 0, result.stdout + result.stderr
