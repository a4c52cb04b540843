"""Supply chain (issue #19 item 9, ADR 0048): bandit finds nothing of medium
severity or more in the shipped code, and cyclonedx-py describes an environment
as a CycloneDX SBOM (what `make sbom` runs over the runtime dependencies)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def test_bandit_finds_nothing_of_medium_severity_in_services() -> None:
    done = subprocess.run([str(BIN / "bandit"), "-q", "-r", "services", "--severity-level",
                           "medium", "-f", "json"], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)
    report = json.loads(done.stdout)
    found = [f"{r['filename']}:{r['line_number']} {r['test_id']} {r['issue_text']}"
             for r in report["results"]]
    assert found == [] and done.returncode == 0, found


@pytest.mark.slow  # ~20 s: reads every installed distribution
def test_an_environment_is_described_as_a_cyclonedx_sbom(tmp_path: Path) -> None:
    out = tmp_path / "sbom.cdx.json"
    subprocess.run([str(BIN / "cyclonedx-py"), "environment", "--pyproject", "pyproject.toml",
                    "--output-reproducible", "-o", str(out), sys.executable],
                   cwd=ROOT, check=True, timeout=300)
    sbom = json.loads(out.read_text())
    assert sbom["bomFormat"] == "CycloneDX" and sbom["metadata"]["component"]["name"] == "parlons"
    names = {c["name"].lower() for c in sbom["components"]}
    assert {"fastapi", "cryptography", "aiokafka"} <= names
    assert all(c.get("purl", "").startswith("pkg:pypi/") for c in sbom["components"])
