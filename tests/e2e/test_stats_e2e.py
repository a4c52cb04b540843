"""Statistics and open-data pages in a real headless Chromium (see stats_pages.mjs),
against the Parlons of the participant journey (serve_participant.py: the Grand
Débat "Transition écologique" questionnaire, published)."""

from __future__ import annotations

import subprocess
from pathlib import Path

from harness.e2e import BROWSER, PASSWORD
from harness.processes import ROOT

HERE = Path(__file__).parent

pytestmark = BROWSER


def test_statistics_and_open_data_pages_with_accessibility(
        server: tuple[str, list[str]]) -> None:
    base, (cid, _slug, qid, _meeting) = server
    result = subprocess.run(["node", str(HERE / "stats_pages.mjs"), base, "orga", PASSWORD,
                             cid, qid], cwd=ROOT, capture_output=True, text=True, timeout=180)
    print(result.stdout)
    assert result.returncode == 0, result.stdout + result.stderr
