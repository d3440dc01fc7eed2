"""Authentication and permission checks as FastAPI dependencies.

``CurrentPrincipal`` authenticates any caller; ``Require(Permission.X)`` also checks a platform
permission. App permissions are checked where the app is loaded (see ``apps.access``), because an
app the caller may not see must answer 404, not 403.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request, Response
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from chainless.platform.apikeys.authentication import admit
from chainless.platform.apikeys.service import ApiKeyIdentity, record_api_key_use
from chainless.platform.auth import service
from chainless.platform.auth.failures import counted_failure_async
from chainless.platform.auth.principal import Principal
from chainless.platform.auth.tokens import (
    API_KEY_PREFIX,
    BEARER_PREFIX,
    CSRF_HEADER,
    SESSION_COOKIE,
)
from chainless.platform.core.deps import DbSession, ServicesDep, apply_limit
from chainless.platform.core.errors import Forbidden, Unauthenticated
from chainless.platform.core.permissions import Permission
from chainless.platform.core.ratelimit import Limit
from chainless.platform.core.security import constant_time_equals
from chainless.platform.core.services import Services

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="chainless"'}


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization")
    if not header:
        return None
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        raise Unauthenticated(
            "Authorization header must be 'Bearer <token>'",
            code="invalid_authorization",
            headers=_CHALLENGE,
        )
    return value.strip()


async def authenticate(
    request: Request, response: Response, session: DbSession, services: ServicesDep
) -> Principal:
    """An API key is admitted on the event loop (a cached credential needs one non-blocking
    Redis call and no database); accounts are resolved in one thread-pool hop, their rate limit
    counted in the same hop. A credential found wanting (or none) is counted against the client
    address (``auth.failures``): 401, or 429 once the address has failed too often.
    """
    try:
        token = request.headers.get("x-api-key") or _bearer(request)
        if token is not None and token.startswith(API_KEY_PREFIX):
            principal = await _api_key_principal(session, services, response, token)
        else:
            principal = await run_in_threadpool(
                _account_principal, request, response, session, services, token
            )
    except Unauthenticated as error:
        raise await counted_failure_async(services, error) from None
    request.state.principal = principal
    return principal


def _account_principal(
    request: Request, response: Response, session: Session, services: Services, token: str | None
) -> Principal:
    if token is not None and token.startswith(BEARER_PREFIX):
        found = service.resolve(session, services.hasher, token, "bearer")
        if found is None:
            raise Unauthenticated(
                "the bearer token is unknown, expired or revoked",
                code="invalid_token",
                headers=_CHALLENGE,
            )
        principal = found[1]
    elif token is not None:
        raise Unauthenticated("unrecognised credential", code="invalid_token", headers=_CHALLENGE)
    else:
        principal = _cookie_principal(request, session, services)
    limit = Limit("account", services.settings.rate_limits.per_ip_per_minute, 60)
    apply_limit(services, response, principal.id, limit)
    return principal


async def _api_key_principal(
    session: DbSession, services: ServicesDep, response: Response, token: str
) -> Principal:
    identity, _ = await admit(session, services, response, token, api_key_limit(services))
    record_api_key_use(services, identity.key_id)  # only requests the limits let through count
    return api_key_principal(identity)


def api_key_limit(services: Services) -> Limit:
    """The limit every API key's app shares, on top of the key's own."""
    return Limit("app", services.settings.rate_limits.per_app_per_minute, 60)


def api_key_principal(identity: ApiKeyIdentity) -> Principal:
    return Principal.for_api_key(
        identity.key_id,
        app_id=identity.app_id,
        scopes=identity.scopes,
        owner_account_id=identity.owner_account_id,
        environment=identity.environment,
    )


def _cookie_principal(request: Request, session: DbSession, services: ServicesDep) -> Principal:
    cookie = request.cookies.get(SESSION_COOKIE)
    if not cookie:
        raise Unauthenticated("sign in, or send a bearer token or an API key", headers=_CHALLENGE)
    found = service.resolve(session, services.hasher, cookie, "cookie")
    if found is None:
        raise Unauthenticated("the session has expired or was signed out", code="session_expired")
    record, principal = found
    if request.method not in SAFE_METHODS:
        sent = request.headers.get(CSRF_HEADER, "")
        expected = record.csrf_token_hash or ""
        if not sent or not constant_time_equals(services.hasher.hash(sent), expected):
            raise Forbidden(f"missing or wrong {CSRF_HEADER} header", code="csrf_failed")
    return principal


CurrentPrincipal = Annotated[Principal, Depends(authenticate)]


class Require:
    """Authenticate, then demand a platform-level permission."""

    def __init__(self, permission: Permission) -> None:
        self.permission = permission

    async def __call__(self, principal: CurrentPrincipal) -> Principal:  # async: no thread hop
        return self.check(principal)

    def check(self, principal: Principal) -> Principal:
        if not principal.can(self.permission):
            raise Forbidden(
                f"this needs the '{self.permission.value}' permission",
                code="permission_denied",
                permission=self.permission.value,
            )
        return principal


class CallerRateLimit:
    """A route's own limit counted per authenticated caller (account or API key).

    As a dependency it authenticates first, so it can never fall back to counting per IP.
    Use its return value as the principal: ``Annotated[Principal, Depends(CallerRateLimit(...))]``.
    """

    def __init__(self, name: str, count: int, period: int) -> None:
        self.limit = Limit(name, count, period)

    def __call__(
        self, principal: CurrentPrincipal, response: Response, services: ServicesDep
    ) -> Principal:
        apply_limit(services, response, f"{principal.kind}:{principal.id}", self.limit)
        return principal


async def require_account(principal: CurrentPrincipal) -> Principal:
    if principal.kind != "account":
        raise Forbidden("this needs a signed-in account, not an API key", code="account_required")
    return principal


AccountPrincipal = Annotated[Principal, Depends(require_account)]
