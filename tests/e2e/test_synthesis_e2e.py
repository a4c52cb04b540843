"""The synthesis pages in a real headless Chromium (see synthesis_pages.mjs): a
theme run in the background, an analyst's rename, publication, the public pages,
a follow-up answer and an author's notices, with axe-core on each page. Against a
real Parlons (serve_synthesis.py: two dozen proposals on two subjects)."""

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
    with served("serve_synthesis.py", tmp_path) as started:
        yield started


def test_synthesis_pages_follow_up_and_notices_with_accessibility(
        server: tuple[str, list[str]]) -> None:
    base, (cid, slug, author_email) = server
    result = subprocess.run(["node", str(HERE / "synthesis_pages.mjs"), base, "orga", PASSWORD,
                             cid, slug, author_email],
                            cwd=ROOT, capture_output=True, text=True, timeout=240)
    print(result.stdout)
    assert result.returncode == 0, result.stdout + result.stderr
