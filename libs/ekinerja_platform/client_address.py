"""Which address a call comes from (identity's login throttle, the per-peer stream limit): the socket's peer, or the
client a trusted proxy names.

A forwarded header is believed only when the connection comes from a configured trusted proxy (the ingress): anyone
else could write any address into it and get a fresh bucket for every guess. Behind trusted proxies the header
`X-Forwarded-For: client, proxy1, proxy2` is read from the right (each proxy appends the peer it saw): every hop
that is itself a trusted proxy is skipped, and the first one that is not is the client. An entry that is not an
address (a proxy misconfigured, or garbage left of our own proxies) stops the walk at the last address known good.

The result is the *source* the throttle counts: an IPv4 address, or an IPv6 /64 (one subscriber's network: a host
picks any address in its /64 at will, so counting single IPv6 addresses would give each guess a new bucket).

Standard library only.
"""
from __future__ import annotations

import ipaddress
from typing import Iterable, Sequence

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address
UNKNOWN = "unknown"


def parse_networks(text: str) -> tuple[Network, ...]:
    """`"10.0.0.0/8, 192.168.1.7, fd00::/8"` → networks (a bare address is a /32 or /128); ValueError names a bad
    one."""
    networks = []
    for item in (part.strip() for part in (text or "").split(",")):
        if not item:
            continue
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            raise ValueError(f"{item!r} is not an address or a CIDR network") from None
    return tuple(networks)


def _address(text: str | None) -> Address | None:
    if not text:
        return None
    text = text.strip()
    if text.startswith("[") and "]" in text:  # "[2001:db8::1]:443" as some proxies write it
        text = text[1:text.index("]")]
    elif text.count(":") == 1:  # "192.0.2.1:5555"
        text = text.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _trusted(address: Address, trusted: Sequence[Network]) -> bool:
    return any(address.version == network.version and address in network for network in trusted)


def client_address(peer: str | None, forwarded_for: Iterable[str], trusted: Sequence[Network]) -> Address | None:
    """The client's address: the peer itself unless it is a trusted proxy, else the right-most untrusted hop."""
    current = _address(peer)
    if current is None or not _trusted(current, trusted):
        return current
    hops = [hop for value in forwarded_for for hop in value.split(",")]
    for hop in reversed(hops):
        address = _address(hop)
        if address is None:
            break
        current = address
        if not _trusted(current, trusted):
            break
    return current


def source_of(address: Address | None) -> str:
    """The throttle's name for an address: the IPv4 address, or the IPv6 /64 it belongs to."""
    if address is None:
        return UNKNOWN
    if isinstance(address, ipaddress.IPv6Address):
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)
