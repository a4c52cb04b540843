"""Issue #5's journey in a real headless Chromium (see participant_journey.mjs):
participants log in by magic link, answer the Grand Débat questionnaire with a
conditional follow-up, propose and argue under pre-moderation, a moderator named
by the admin approves, the public sees the proposal with its argument. Against a
real Parlons (serve_participant.py) on a free local port, SQLite in a temp dir."""

from __future__ import annotations

import subprocess
from pathlib import Path

from harness.e2e import BROWSER, PASSWORD
from harness.processes import ROOT

HERE = Path(__file__).parent

pytestmark = BROWSER


def test_participant_journey_with_moderation_and_accessibility(
        server: tuple[str, list[str]]) -> None:
    base, (cid, slug, qid, meeting) = server
    result = subprocess.run(["node", str(HERE / "participant_journey.mjs"), base, "orga",
                             PASSWORD, cid, slug, qid, meeting],
                            cwd=ROOT, capture_output=True, text=True, timeout=240)
    print(result.stdout)
    assert result.returncode == 0, result.stdout + result.stderr
