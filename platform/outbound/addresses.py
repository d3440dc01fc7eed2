"""Which addresses the platform may call on a developer's behalf, and how a URL's host reads.

A host is read the way the resolver would read it, so a check can never see a different address
than the connection: a name ending in a number is an IPv4 literal in ``inet_aton`` form (hex
``0x7f000001``, octal ``0177.0.0.1``, short ``127.1``, one number ``2130706433``; the WHATWG URL
Standard §3.5 "ends in a number" rule), a trailing dot is dropped, and ``localhost`` names are
loopback without asking anyone (RFC 6761 §6.3).

An address is public only when Python's ``is_global`` says so *and* it is in none of the
networks below; ``is_global`` alone lets multicast, NAT64 and 6to4 through (Python 3.11).
IPv6 forms that carry an IPv4 address (mapped, NAT64, 6to4, the deprecated compatible form) are
judged by the IPv4 address inside, because that is where the packets end up.
"""

from __future__ import annotations

import ipaddress
import re
import socket

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

_V4 = ipaddress.IPv4Network
_V6 = ipaddress.IPv6Network

#: Never called, whatever ``is_global`` says: (network, why), IANA special-purpose registries.
REFUSED_NETWORKS: tuple[tuple[_V4 | _V6, str], ...] = (
    (_V4("0.0.0.0/8"), "this network (RFC 791); 0.0.0.0 reaches the local host"),
    (_V4("10.0.0.0/8"), "private (RFC 1918)"),
    (_V4("100.64.0.0/10"), "shared address space, carrier-grade NAT (RFC 6598)"),
    (_V4("127.0.0.0/8"), "loopback (RFC 1122)"),
    (_V4("169.254.169.254/32"), "the cloud metadata service"),
    (_V4("169.254.0.0/16"), "link-local (RFC 3927)"),
    (_V4("172.16.0.0/12"), "private (RFC 1918)"),
    (_V4("192.0.0.0/24"), "IETF protocol assignments (RFC 6890)"),
    (_V4("192.0.2.0/24"), "documentation (RFC 5737)"),
    (_V4("192.88.99.0/24"), "6to4 relay anycast (RFC 7526)"),
    (_V4("192.168.0.0/16"), "private (RFC 1918)"),
    (_V4("198.18.0.0/15"), "benchmarking (RFC 2544)"),
    (_V4("198.51.100.0/24"), "documentation (RFC 5737)"),
    (_V4("203.0.113.0/24"), "documentation (RFC 5737)"),
    (_V4("224.0.0.0/4"), "multicast (RFC 5771)"),
    (_V4("240.0.0.0/4"), "reserved and broadcast (RFC 1112, RFC 919)"),
    (_V6("::/128"), "unspecified (RFC 4291)"),
    (_V6("::1/128"), "loopback (RFC 4291)"),
    (_V6("100::/64"), "discard-only (RFC 6666)"),
    (_V6("2001::/32"), "Teredo (RFC 4380)"),
    (_V6("2001:db8::/32"), "documentation (RFC 3849)"),
    (_V6("fc00::/7"), "unique-local (RFC 4193)"),
    (_V6("fe80::/10"), "link-local (RFC 4291)"),
    (_V6("fec0::/10"), "site-local (RFC 3879)"),
    (_V6("ff00::/8"), "multicast (RFC 4291)"),
)

_NAT64 = (_V6("64:ff9b::/96"), _V6("64:ff9b:1::/48"))  # RFC 6052, RFC 8215
_V4_COMPATIBLE = _V6("::/96")  # RFC 4291 §2.5.5.1, deprecated
_NUMBER = re.compile(r"^(?:0x[0-9a-f]*|[0-9]+)$")
_NUMERIC_HOST = re.compile(r"^(?:0x[0-9a-f]*|[0-9]+)(?:\.(?:0x[0-9a-f]*|[0-9]+)){0,3}$")


class HostError(ValueError):
    """A host no resolver would read as one address or name."""


def normalise_host(host: str) -> str:
    """Lower case, without brackets and without the one trailing dot a resolver ignores."""
    host = host.strip().lower()
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    return host[:-1] if host.endswith(".") and not host.endswith("..") else host


def is_localhost_name(host: str) -> bool:
    """``localhost`` and every name below it are loopback (RFC 6761 §6.3)."""
    return host == "localhost" or host.endswith(".localhost")


def literal_address(host: str) -> IPAddress | None:
    """The address a numeric host stands for (``inet_aton`` forms included), None for a name.

    A host whose last label is a number is an IPv4 literal or nothing (WHATWG URL §3.5); a
    resolver would read ``127.1`` as 127.0.0.1, so the check must too.
    """
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    if not _NUMBER.match(host.rsplit(".", 1)[-1]):
        return None
    if not _NUMERIC_HOST.match(host):
        raise HostError(f"{host!r} is neither a name nor an IPv4 address")
    try:
        return ipaddress.IPv4Address(socket.inet_aton(host))
    except OSError:
        raise HostError(f"{host!r} is not a valid IPv4 address") from None


def embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one carries to (mapped, NAT64, 6to4, compatible), if any."""
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if any(address in network for network in _NAT64) or (
        address in _V4_COMPATIBLE and int(address) > 1
    ):
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def refusal(address: IPAddress) -> str | None:
    """Why the platform must not call ``address`` for a developer, or None when it is public."""
    if isinstance(address, ipaddress.IPv6Address):
        inner = embedded_ipv4(address)
        if inner is not None:
            reason = refusal(inner)
            return None if reason is None else f"{reason}, inside IPv6 {address}"
    for network, why in REFUSED_NETWORKS:
        if address.version == network.version and address in network:
            return why
    if not address.is_global:
        return "not globally reachable (IANA special-purpose address)"
    return None
