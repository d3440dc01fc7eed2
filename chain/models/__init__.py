"""Relay tables: relayed transactions, per-app relay policy, webhook endpoints and deliveries."""

from chainless.chain.models.relay import RelayedTransaction, RelayPolicy, TxState
from chainless.chain.models.types import Uint256
from chainless.chain.models.webhooks import WebhookDelivery, WebhookEndpoint

__all__ = [
    "RelayPolicy",
    "RelayedTransaction",
    "TxState",
    "Uint256",
    "WebhookDelivery",
    "WebhookEndpoint",
]
