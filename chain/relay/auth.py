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
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from chainless.oauth import live_families
from chainless.oauth.tokens import AccessClaims, active_access_token, decode_with_held_keys
from chainless.oauth.users import address_of
from chainless.platform.apps.relay_view import is_delisted
from chainless.platform.auth.dependencies import authenticate
from chainless.platform.auth.failures import counted_failure_async
from chainless.platform.auth.principal import Principal
from chainless.platform.core.deps import DbSession, ServicesDep
from chainless.platform.core.epochs import observe, seen
from chainless.platform.core.errors import Forbidden, Unauthenticated
from chainless.platform.core.permissions import ApiKeyScope
from chainless.platform.core.services import Services

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
        missing = Unauthenticated(
            "send the app's API key as X-API-Key", code="api_key_required", headers=_CHALLENGE
        )
        raise await counted_failure_async(services, missing)  # as ``authenticate`` counts it
    return app_key(await authenticate(request, response, session, services))


def app_key(principal: Principal) -> Principal:
    """``principal`` when it is an app's API key (an account's credential is refused)."""
    if principal.kind != "api_key" or principal.app_id is None:
        raise Unauthenticated(
            "X-API-Key must carry an app API key (ck_…)",
            code="api_key_required",
            headers=_CHALLENGE,
        )
    return principal


AppKey = Annotated[Principal, Depends(relay_app_key)]


async def relay_caller(
    request: Request, key: AppKey, session: DbSession, services: ServicesDep
) -> RelayCaller:
    """The app's key and the user's token. A token signed with a key this process holds, of a
    live family in the process's cache under the epoch the key's rate-limit script just read
    (``oauth.live_families``), is checked on the event loop with no I/O; anything else is
    decided on the database in one thread-pool hop (``active_access_token``)."""
    _require_scope(key)
    token = _user_token(request)
    claims = _held_claims(services, token)
    if claims is None or claims.wallet_address is None:
        return await run_in_threadpool(_caller_from_database, key, session, services, token)
    _check_claims(key, claims)
    return _caller(key, claims, claims.wallet_address)


def relay_caller_in_thread(
    request: Request, key: Principal, session: Session, services: Services
) -> RelayCaller:
    """``relay_caller`` for an endpoint already in its thread-pool hop (same checks, no hop)."""
    _require_scope(key)
    token = _user_token(request)
    claims = _held_claims(services, token)
    if claims is None or claims.wallet_address is None:
        return _caller_from_database(key, session, services, token)
    _check_claims(key, claims)
    return _caller(key, claims, claims.wallet_address)


def _require_scope(key: Principal) -> None:
    if ApiKeyScope.TRANSACTION_WRITE.value not in key.scopes:
        raise Forbidden(
            "the API key lacks the 'transaction:write' scope", code="api_key_scope_missing"
        )


def _held_claims(services: Services, token: str) -> AccessClaims | None:
    """The token's claims when this process can vouch for them alone: a held signing key, and
    its family cached as live under the epoch this request's rate-limit script read."""
    epoch = seen(live_families.EPOCH)
    cache = live_families.family_cache(services) if epoch is not None else None
    if cache is None or epoch is None:
        return None
    claims = decode_with_held_keys(services, token)
    if claims is None or cache.get(claims.family_id, epoch) is None:
        return None
    return claims


def _caller_from_database(
    key: Principal, session: Session, services: Services, token: str
) -> RelayCaller:
    claims = active_access_token(services, session, token)
    if claims is None:
        _refuse_if_delisted(session, key)
        raise Unauthenticated(
            "the user's access token is invalid, expired or revoked",
            code="user_token_invalid",
            headers=_CHALLENGE,
        )
    _check_claims(key, claims)
    wallet = claims.wallet_address or address_of(session, claims.subject)
    if wallet is None:
        raise Unauthenticated("the token's user no longer exists", code="user_token_invalid")
    return _caller(key, claims, wallet)


def _refuse_if_delisted(session: Session, key: Principal) -> None:
    """Delisting revokes every token of the app (``oauth.revocation``), so its users' tokens are
    invalid from then on: the answer names the cause, ``app_delisted`` (403, as the policy's
    rule), not the token. Read only on this refusal's path (one query)."""
    assert key.app_id is not None
    if is_delisted(session, key.app_id):
        raise Forbidden(
            "the app is delisted; the relay refuses its transactions", code="app_delisted"
        )


def _caller(key: Principal, claims: AccessClaims, wallet: str) -> RelayCaller:
    assert key.app_id is not None
    assert key.environment is not None
    return RelayCaller(
        key.app_id, key.id, key.environment, claims.subject, to_checksum_address(wallet)
    )


def _check_claims(key: Principal, claims: AccessClaims) -> None:
    if claims.client_id != key.app_id:
        raise Forbidden(
            "the user's access token was issued to another app", code="user_token_wrong_app"
        )
    if BROADCAST_SCOPE not in claims.scope:
        raise Forbidden(
            f"the user did not grant the '{BROADCAST_SCOPE}' scope",
            code="user_token_scope_missing",
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
observe(live_families.EPOCH)  # read with every API key's limits: see ``_held_claims``
