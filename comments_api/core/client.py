"""Who the client is: the peer address, or a forwarded one when a trusted proxy says so."""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def _parse(address: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(address.strip().strip("[]"))
    except ValueError:
        return None


def is_trusted(address: str | None, networks: Sequence[Network]) -> bool:
    """Return True when `address` is one of the trusted proxies."""
    parsed = _parse(address or "")
    return parsed is not None and any(parsed in network for network in networks)


def client_address(peer: str | None, forwarded_for: str | None, trusted: Sequence[Network]) -> str:
    """Return the client's address.

    X-Forwarded-For is read right to left, and only while each hop is a trusted proxy:
    anything a client writes into the header itself sits to the left of that and is ignored.
    """
    address = peer or "unknown"
    if not trusted or not forwarded_for or not is_trusted(address, trusted):
        return address
    for hop in reversed([h.strip() for h in forwarded_for.split(",")]):
        if _parse(hop) is None:
            return address
        address = hop
        if not is_trusted(hop, trusted):
            return hop
    return address
