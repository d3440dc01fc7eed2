"""Relay tables: relayed transactions and their attempts, daily usage, relayer nonces, per-app
relay policy, webhook endpoints and deliveries."""

from chainless.chain.models.attempts import RelayAttempt, RelayDailyUsage
from chainless.chain.models.relay import RelayedTransaction, RelayPolicy, TxKind, TxState
from chainless.chain.models.relayers import RelayerNonce
from chainless.chain.models.types import Uint256
from chainless.chain.models.webhooks import WebhookDelivery, WebhookEndpoint

__all__ = [
    "RelayAttempt",
    "RelayDailyUsage",
    "RelayPolicy",
    "RelayedTransaction",
    "RelayerNonce",
    "TxKind",
    "TxState",
    "Uint256",
    "WebhookDelivery",
    "WebhookEndpoint",
]
