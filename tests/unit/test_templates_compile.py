"""Every page template compiles, with the filters and macros it imports: a syntax
error (a block left open) otherwise shows only when someone opens the page, as a
500 (a page of notices did, before its test)."""

from __future__ import annotations

import pytest

from services.web.rendering import build_environment

ENV = build_environment({})
TEMPLATES = sorted(t for t in ENV.list_templates() if t.endswith(".html"))


def test_there_are_templates() -> None:
    assert len(TEMPLATES) > 50


@pytest.mark.parametrize("name", TEMPLATES)
def test_the_template_compiles(name: str) -> None:
    ENV.get_template(name)
