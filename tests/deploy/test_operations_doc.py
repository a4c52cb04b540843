"""docs/operations.md lists every setting Parlons reads, and the README links it."""

from __future__ import annotations

from k8s_render import ROOT
from settings_names import PENDING_ISSUE_16, settings

DOC = (ROOT / "docs" / "operations.md").read_text()


def test_every_setting_is_in_the_operations_table() -> None:
    rows = {line.split("|")[1].strip().strip("`") for line in DOC.splitlines()
            if line.startswith("| `")}
    assert set(settings()) - rows == set()
    assert all(name in DOC for name in PENDING_ISSUE_16)


def test_the_readme_links_the_operations_guide() -> None:
    assert "docs/operations.md" in (ROOT / "README.md").read_text()
