"""A bounded fuzz run of every target in `make test` (a few seconds each, from the
seed corpus); `make fuzz` runs them longer. A crash fails with libFuzzer's report."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).parent
SECONDS = int(os.environ.get("PARLONS_FUZZ_SECONDS", "3"))
NAMES = ["event", "questionnaire_text", "markdown", "polis_csv", "form_fields",
         "questionnaire_import"]


@pytest.mark.parametrize("target", NAMES)
def test_no_crash_from_the_seed_corpus(target: str, tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, str(HERE / "run.py"), target, f"-max_total_time={SECONDS}",
         "-print_final_stats=1"], cwd=tmp_path, capture_output=True, text=True,
        timeout=SECONDS + 120, check=False)
    report = done.stdout + done.stderr
    assert done.returncode == 0, report[-4000:]
    assert "Done " in report  # it did run
