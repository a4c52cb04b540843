"""docs/README.md is the way into the decisions and the measurements: every ADR
and every measurement file is listed there, and every relative link it holds
leads to a file (five ADRs had gone unlisted)."""

from __future__ import annotations

import re
from pathlib import Path

DOCS = Path(__file__).resolve().parents[2] / "docs"
INDEX = DOCS / "README.md"


def _links() -> set[str]:
    return {target for target in re.findall(r"\]\(([^)#\s]+)", INDEX.read_text())
            if not target.startswith(("http://", "https://", "mailto:"))}


def test_every_adr_and_measurement_is_listed_in_the_index() -> None:
    links = _links()
    for folder in ("adr", "measurements"):
        files = sorted(p.name for p in (DOCS / folder).glob("*.md"))
        assert files, folder
        missing = [name for name in files if f"{folder}/{name}" not in links]
        assert not missing, f"docs/README.md lists no {missing}"


def test_every_relative_link_of_the_index_leads_to_a_file() -> None:
    broken = sorted(link for link in _links() if not (DOCS / link).exists())
    assert not broken, broken


def test_no_adr_number_is_listed_twice() -> None:
    numbers = re.findall(r"^\| \[(\d{4})\]", INDEX.read_text(), flags=re.MULTILINE)
    assert numbers and len(numbers) == len(set(numbers))
