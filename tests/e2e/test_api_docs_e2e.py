"""/docs through Chromium (issue #18 item 6): it was blank, Swagger UI coming from a
CDN the site's own CSP refuses; it is now served from local assets."""

from __future__ import annotations

import subprocess
from pathlib import Path

from harness.e2e import BROWSER

HERE = Path(__file__).parent
pytestmark = BROWSER


def test_the_api_documentation_renders_under_the_csp(server: tuple[str, list[str]]) -> None:
    base, _ = server
    result = subprocess.run(["node", str(HERE / "api_docs.mjs"), base],
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
