"""Chainless backend SDK: wallet login for mini-program servers.

``OAuthClient`` runs the authorization code flow with PKCE and manages tokens;
``AccessTokenVerifier`` checks access tokens offline against the platform's JWKS.
"""

from chainless_sdk.errors import ChainlessError, OAuthError, TokenInvalid
from chainless_sdk.oauth import AuthorizationRequest, OAuthClient
from chainless_sdk.pkce import PkcePair, new_pkce, new_state
from chainless_sdk.tokens import TokenSet
from chainless_sdk.verify import AccessTokenVerifier, VerifiedToken

__all__ = [
    "AccessTokenVerifier",
    "AuthorizationRequest",
    "ChainlessError",
    "OAuthClient",
    "OAuthError",
    "PkcePair",
    "TokenInvalid",
    "TokenSet",
    "VerifiedToken",
    "new_pkce",
    "new_state",
]
