"""UserInfo: what the access token's scopes allow the app to know about the wallet user."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

from chainless.oauth.endpoints.error_responses import oauth_error_responses
from chainless.oauth.models import WalletUser
from chainless.oauth.tokens import active_access_token
from chainless.platform.core.deps import DbSession, RateLimit, ServicesDep

router = APIRouter(tags=["oauth"])
_CHALLENGE = 'Bearer realm="chainless", error="invalid_token"'


_LIMIT = [Depends(RateLimit("oauth.userinfo", "oauth_userinfo_per_ip_per_minute"))]


# OpenID Connect Core §5.3.1: the UserInfo endpoint answers GET and POST alike.
@router.get(
    "/oauth/userinfo",
    summary="Claims gated by scope",
    dependencies=_LIMIT,
    responses=oauth_error_responses(401),
)
@router.post(
    "/oauth/userinfo",
    summary="Claims gated by scope (POST)",
    dependencies=_LIMIT,
    responses=oauth_error_responses(401),
    operation_id="userinfo_oauth_userinfo_post",
)
def userinfo(request: Request, session: DbSession, services: ServicesDep) -> JSONResponse:
    header = request.headers.get("authorization", "")
    token = header[7:].strip() if header.lower().startswith("bearer ") else ""
    claims = active_access_token(services, session, token) if token else None
    if claims is None:  # RFC 6750 §3.1
        return JSONResponse(
            {"error": "invalid_token", "error_description": "the access token is not active"},
            status_code=401,
            headers={"WWW-Authenticate": _CHALLENGE},
        )
    user = session.get(WalletUser, claims.subject)
    scope = set(claims.scope)
    body: dict[str, Any] = {"sub": claims.subject}
    if "basic:user_id" in scope:
        body["user_id"] = claims.subject
    if "basic:address" in scope and claims.wallet_address:
        body["wallet_address"] = claims.wallet_address
    if user is not None and "extended:email" in scope:
        body["email"] = user.email
    if user is not None and "extended:phone" in scope:
        body["phone"] = user.phone
    return JSONResponse(body, headers={"Cache-Control": "no-store"})
