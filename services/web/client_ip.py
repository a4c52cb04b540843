"""Who the client is, for rate limits: the socket peer, unless that peer is a
trusted proxy (`PARLONS_TRUSTED_PROXIES`: addresses or CIDR blocks,
comma-separated), whose `X-Forwarded-For` then names the client. The header is
read from the right: each trusted proxy appended the address it saw, so the
first address from the right that is not a trusted proxy is the client; what
lies left of it was written by the client itself and is never believed
(ADR 0045). Without the setting the header is ignored: anyone can send it."""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def trusted_networks(setting: str) -> tuple[Network, ...]:
    """`"10.0.0.0/8, 192.0.2.7"` -> networks; a wrong entry is a start-up error."""
    out: list[Network] = []
    for item in filter(None, (part.strip() for part in setting.split(","))):
        try:
            out.append(ipaddress.ip_network(item, strict=False))
        except ValueError as e:
            raise ValueError(f"PARLONS_TRUSTED_PROXIES: {item!r} is not an address "
                             "or a CIDR block") from e
    return tuple(out)


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    text = text.strip()
    if text.startswith("[") and "]" in text:  # "[2001:db8::1]:443"
        text = text[1:text.index("]")]
    elif text.count(":") == 1:  # "192.0.2.1:443"
        text = text.split(":")[0]
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def _trusted(address: ipaddress.IPv4Address | ipaddress.IPv6Address | None,
             networks: Sequence[Network]) -> bool:
    return address is not None and any(address in n for n in networks)


def client_address(peer: str | None, forwarded_for: Sequence[str],
                   networks: Sequence[Network]) -> str:
    """The client's address: `peer` (the socket's), or, when it is a trusted
    proxy, the rightmost untrusted address of the `X-Forwarded-For` headers."""
    peer = peer or "unknown"
    if not networks or not _trusted(_address(peer), networks):
        return peer
    hops = [hop.strip() for header in forwarded_for for hop in header.split(",")]
    for hop in reversed([h for h in hops if h]):
        address = _address(hop)
        if address is None:
            return peer  # a garbled hop: trust nothing the proxies passed on
        if not _trusted(address, networks):
            return str(address)
    return peer  # every hop a proxy: the request came from inside
