"""Public pages through the real app: French 404, security headers, ETag/304."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from harness.web import web_client


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with web_client() as c:
        yield c


async def test_home_is_french_dsfr_and_sends_strict_security_headers(client):
    r = await client.get("/")
    assert r.status_code == 200
    assert '<html lang="fr"' in r.text
    assert "/static/vendor/dsfr/dsfr.min.css" in r.text
    csp = r.headers["content-security-policy"]
    assert "unsafe-inline" not in csp and "script-src 'self'" in csp
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["x-frame-options"] == "DENY"


async def test_unchanged_page_answers_304_to_its_etag(client):
    first = await client.get("/")
    etag = first.headers["etag"]
    again = await client.get("/", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    other = await client.get("/", headers={"If-None-Match": '"autre"'})
    assert other.status_code == 200


async def test_unknown_page_is_a_french_404(client):
    r = await client.get("/consultations/inexistante")
    assert r.status_code == 404
    assert "Page introuvable" in r.text
    r = await client.get("/nulle-part")
    assert r.status_code == 404 and "Page introuvable" in r.text


async def test_no_inline_script_or_style_in_pages(client):
    r = await client.get("/")
    assert "<style" not in r.text and " style=" not in r.text
    assert "<script>" not in r.text  # every script is a file (src=...)
