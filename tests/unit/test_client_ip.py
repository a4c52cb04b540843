"""Who the client is behind proxies (services/web/client_ip.py, ADR 0045)."""

from __future__ import annotations

import pytest

from services.web.client_ip import client_address, trusted_networks

PROXIES = trusted_networks("10.0.0.0/8, 2001:db8:ffff::/48, 192.0.2.1")


def test_without_trusted_proxies_the_peer_is_the_client() -> None:
    assert client_address("203.0.113.5", ["198.51.100.1"], ()) == "203.0.113.5"


def test_an_untrusted_peer_is_the_client_whatever_it_forwards() -> None:
    assert client_address("203.0.113.5", ["198.51.100.1"], PROXIES) == "203.0.113.5"


@pytest.mark.parametrize(("headers", "client"), [
    (["198.51.100.7"], "198.51.100.7"),
    (["1.1.1.1, 198.51.100.7"], "198.51.100.7"),  # the left part is the client's own say
    (["198.51.100.7, 10.2.3.4"], "198.51.100.7"),  # a chain of trusted proxies
    (["198.51.100.7", "10.2.3.4"], "198.51.100.7"),  # the header repeated
    (["[2001:db8::7]:443, 2001:db8:ffff::1"], "2001:db8::7"),
    (["198.51.100.7:5050"], "198.51.100.7"),
    (["10.9.9.9"], "10.0.0.1"),  # only proxies: the request came from inside
    (["not-an-address"], "10.0.0.1"),
    ([], "10.0.0.1"),
])
def test_behind_a_trusted_proxy_the_rightmost_untrusted_hop_is_the_client(
        headers: list[str], client: str) -> None:
    assert client_address("10.0.0.1", headers, PROXIES) == client


def test_a_wrong_setting_fails_at_start() -> None:
    with pytest.raises(ValueError, match="TRUSTED_PROXIES"):
        trusted_networks("10.0.0.0/8, proxy.local")
