"""Wallet login tables: users, wallet sessions, grants (spec 3.4.2), codes, refresh tokens, keys."""

from chainless.oauth.models.grants import (
    AuthorizationCode,
    RefreshToken,
    TokenFamily,
    UserAuthorization,
)
from chainless.oauth.models.keys import SigningKey
from chainless.oauth.models.users import WalletSession, WalletUser

__all__ = [
    "AuthorizationCode",
    "RefreshToken",
    "SigningKey",
    "TokenFamily",
    "UserAuthorization",
    "WalletSession",
    "WalletUser",
]
