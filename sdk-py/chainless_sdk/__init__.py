"""Chainless backend SDK: wallet login and the transaction relay for mini-program servers.

``OAuthClient`` runs the authorization code flow with PKCE and manages tokens;
``AccessTokenVerifier`` checks access tokens offline against the platform's JWKS;
``RelayClient`` submits signed transactions and reads their state; ``verify_webhook`` checks
the relay's status webhooks.
"""

from chainless_sdk.errors import (
    ChainlessError,
    OAuthError,
    RelayError,
    TokenInvalid,
    WebhookInvalid,
)
from chainless_sdk.oauth import AuthorizationRequest, OAuthClient
from chainless_sdk.pkce import PkcePair, new_pkce, new_state
from chainless_sdk.relay import RelayClient, verify_webhook
from chainless_sdk.tokens import TokenSet
from chainless_sdk.verify import AccessTokenVerifier, VerifiedToken

__all__ = [
    "AccessTokenVerifier",
    "AuthorizationRequest",
    "ChainlessError",
    "OAuthClient",
    "OAuthError",
    "PkcePair",
    "RelayClient",
    "RelayError",
    "TokenInvalid",
    "TokenSet",
    "VerifiedToken",
    "WebhookInvalid",
    "new_pkce",
    "new_state",
    "verify_webhook",
]
