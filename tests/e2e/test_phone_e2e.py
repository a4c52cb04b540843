"""The accessibility walk's browser half (ADR 0141, see phone_pages.mjs): the public
and participant pages on a 360 px phone, with and without JavaScript, in a real
headless Chromium, against the participant journey's Parlons (serve_participant.py)."""

from __future__ import annotations

import subprocess
from pathlib import Path

from harness.e2e import BROWSER
from harness.processes import ROOT

HERE = Path(__file__).parent

pytestmark = BROWSER


def test_phone_pages_reflow_skip_links_and_error_summary(
        server: tuple[str, list[str]]) -> None:
    base, (cid, slug, qid, meeting) = server
    result = subprocess.run(["node", str(HERE / "phone_pages.mjs"), base, cid, slug, qid,
                             meeting], cwd=ROOT, capture_output=True, text=True, timeout=240)
    print(result.stdout)
    assert result.returncode == 0, result.stdout + result.stderr
