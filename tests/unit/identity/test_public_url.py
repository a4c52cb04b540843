"""The address e-mailed links start with: the configured public address, or, when
none is set, this machine at the port the server listens on (a development server
started with PARLONS_HTTP_PORT=8101 mailed links to :8000, which nothing served)."""

from __future__ import annotations

import pytest

from services.identity.settings import IdentitySettings


def test_unset_it_follows_the_http_port(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PARLONS_PUBLIC_URL", raising=False)
    monkeypatch.setenv("PARLONS_HTTP_PORT", "8101")
    assert IdentitySettings().public_url == "http://127.0.0.1:8101"
    monkeypatch.delenv("PARLONS_HTTP_PORT")
    assert IdentitySettings().public_url == "http://127.0.0.1:8000"


def test_a_configured_address_is_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PARLONS_PUBLIC_URL", "https://parlons.example.org")
    monkeypatch.setenv("PARLONS_HTTP_PORT", "8101")
    assert IdentitySettings().public_url == "https://parlons.example.org"
