"""The opinion groups pages in a real headless Chromium (see opinion_groups_pages.mjs):
the admin reaches the groups page from the consultation's back office, uploads a
Pol.is export there, sees its groups, publishes them, a visitor follows the consultation's
link to the public page; axe-core on each page, no CSP violation. Against a real
Parlons (serve_opinion_groups.py)."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from harness.e2e import BROWSER, PASSWORD, served
from harness.processes import ROOT

HERE = Path(__file__).parent
BREXIT = HERE.parent / "data" / "polis" / "brexit-consensus"

pytestmark = BROWSER


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, list[str]]]:
    with served("serve_opinion_groups.py", tmp_path) as started:
        yield started


def test_opinion_groups_pages_with_accessibility(server: tuple[str, list[str]]) -> None:
    base, (cid, slug) = server
    result = subprocess.run(["node", str(HERE / "opinion_groups_pages.mjs"), base, "orga",
                             PASSWORD, cid, slug, str(BREXIT)],
                            cwd=ROOT, capture_output=True, text=True, timeout=240)
    print(result.stdout)
    assert result.returncode == 0, result.stdout + result.stderr
