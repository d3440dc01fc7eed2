"""Outbound HTTP to URLs a developer supplied, guarded against server-side request forgery.

Every component that calls such a URL (relay webhooks today, any later notification channel)
uses :class:`OutboundClient` from ``services.outbound``; see docs/relay.md, "Webhooks".
"""

from chainless.platform.outbound.client import (
    Destination,
    DestinationRefused,
    OutboundClient,
    OutboundError,
    OutboundResponse,
    OutboundTimeout,
    ResponseTooLarge,
)
from chainless.platform.outbound.resolver import Resolver, system_resolver

__all__ = [
    "Destination",
    "DestinationRefused",
    "OutboundClient",
    "OutboundError",
    "OutboundResponse",
    "OutboundTimeout",
    "Resolver",
    "ResponseTooLarge",
    "system_resolver",
]
