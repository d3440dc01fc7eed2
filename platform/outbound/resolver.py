"""Name resolution behind one small interface, so tests can answer with addresses they choose
(including a resolver whose answer changes between the check and the connection)."""

from __future__ import annotations

import ipaddress
import socket
from typing import Protocol

from chainless.platform.outbound.addresses import IPAddress


class Resolver(Protocol):
    def __call__(self, host: str, port: int) -> list[IPAddress]:
        """Every address ``host`` has for a TCP connection to ``port``, in the order to try
        them; raises ``OSError`` when it has none."""
        ...


def system_resolver(host: str, port: int) -> list[IPAddress]:
    """The operating system's answer (``getaddrinfo``, RFC 6724 order), duplicates removed."""
    found: dict[IPAddress, None] = {}
    for _family, _type, _proto, _name, sockaddr in socket.getaddrinfo(
        host, port, type=socket.SOCK_STREAM
    ):
        found[ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])] = None
    return list(found)
