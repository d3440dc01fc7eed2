"""Who may use the relay: an app backend, with two credentials in one request.

- ``X-API-Key: ck_…`` — the app's API key with the ``transaction:write`` scope; its environment
  (dev/test/prod) picks the chain;
- ``Authorization: Bearer <access token>`` — the wallet user's OAuth access token (RFC 6750) for
  the same app, with the ``transaction:broadcast`` scope; its wallet must have signed the
  transaction.

Reading a status needs only the API key (any scope): it shows only that app's transactions.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from eth_utils import to_checksum_address
from fastapi import Depends, Request, Response

from chainless.oauth.tokens import active_access_token
from chainless.oauth.users import address_of
from chainless.platform.auth.dependencies import authenticate
from chainless.platform.auth.principal import Principal
from chainless.platform.core.deps import DbSession, ServicesDep
from chainless.platform.core.errors import Forbidden, Unauthenticated
from chainless.platform.core.permissions import ApiKeyScope

BROADCAST_SCOPE = "transaction:broadcast"
_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="chainless", scope="transaction:broadcast"'}


@dataclass(frozen=True)
class RelayCaller:
    app_id: str
    api_key_id: str
    environment: str
    user_id: str
    wallet: str  # EIP-55


async def relay_app_key(
    request: Request, response: Response, session: DbSession, services: ServicesDep
) -> Principal:
    """The calling app's API key, sent as ``X-API-Key`` so that ``Authorization`` stays the
    user's; checked before anything else so that a missing key is named as such."""
    if not request.headers.get("x-api-key"):
        raise Unauthenticated(
            "send the app's API key as X-API-Key", code="api_key_required", headers=_CHALLENGE
        )
    principal = await authenticate(request, response, session, services)
    if principal.kind != "api_key" or principal.app_id is None:
        raise Unauthenticated(
            "X-API-Key must carry an app API key (ck_…)",
            code="api_key_required",
            headers=_CHALLENGE,
        )
    return principal


AppKey = Annotated[Principal, Depends(relay_app_key)]


def relay_caller(
    request: Request, key: AppKey, session: DbSession, services: ServicesDep
) -> RelayCaller:
    if ApiKeyScope.TRANSACTION_WRITE.value not in key.scopes:
        raise Forbidden(
            "the API key lacks the 'transaction:write' scope", code="api_key_scope_missing"
        )
    claims = active_access_token(services, session, _user_token(request))
    if claims is None:
        raise Unauthenticated(
            "the user's access token is invalid, expired or revoked",
            code="user_token_invalid",
            headers=_CHALLENGE,
        )
    if claims.client_id != key.app_id:
        raise Forbidden(
            "the user's access token was issued to another app", code="user_token_wrong_app"
        )
    if BROADCAST_SCOPE not in claims.scope:
        raise Forbidden(
            f"the user did not grant the '{BROADCAST_SCOPE}' scope",
            code="user_token_scope_missing",
        )
    wallet = claims.wallet_address or address_of(session, claims.subject)
    if wallet is None:
        raise Unauthenticated("the token's user no longer exists", code="user_token_invalid")
    assert key.app_id is not None
    assert key.environment is not None
    return RelayCaller(
        key.app_id, key.id, key.environment, claims.subject, to_checksum_address(wallet)
    )


def _user_token(request: Request) -> str:
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        raise Unauthenticated(
            "send the user's access token as 'Authorization: Bearer <token>'",
            code="user_token_missing",
            headers=_CHALLENGE,
        )
    return value.strip()


Caller = Annotated[RelayCaller, Depends(relay_caller)]
