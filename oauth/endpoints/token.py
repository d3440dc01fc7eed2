"""Token (RFC 6749 §3.2), revocation (RFC 7009) and introspection (RFC 7662) endpoints."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from authlib.oauth2.rfc6749.errors import (  # type: ignore[import-untyped, unused-ignore]
    InvalidRequestError,
)
from authlib.oauth2.rfc7009 import RevocationEndpoint  # type: ignore[import-untyped, unused-ignore]
from authlib.oauth2.rfc7662 import (  # type: ignore[import-untyped, unused-ignore]
    IntrospectionEndpoint,
)
from fastapi import APIRouter, Depends, Request
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.responses import Response

from chainless.oauth import live_families, revocation, tokens
from chainless.oauth.endpoints.authorize import build_server
from chainless.oauth.endpoints.cached_introspection import COUNTED, LIMIT
from chainless.oauth.endpoints.common import oauth_request, read_form
from chainless.oauth.endpoints.error_responses import oauth_error_responses
from chainless.oauth.endpoints.token_limit import Counted, count_with_client
from chainless.oauth.introspection import access_token_payload, answer_from_caches
from chainless.oauth.models import RefreshToken, TokenFamily
from chainless.oauth.server import ChainlessAuthorizationServer
from chainless.platform.audit import service as audit
from chainless.platform.core.clock import utcnow
from chainless.platform.core.context import current_request
from chainless.platform.core.deps import (
    RateLimit,
    RequestSlot,
    ServicesDep,
    apply_limit,
    limited_in_body,
)
from chainless.platform.core.services import Services

router = APIRouter(tags=["oauth"])
_token_limit_spec = RateLimit("oauth.token", "oauth_token_per_ip_per_minute")
_backend_limit_spec = LIMIT
Form = Annotated[FormData, Depends(read_form)]


@dataclass
class FoundToken:
    """A presented token and the device session (family) it belongs to."""

    kind: str
    family: TokenFamily
    claims: tokens.AccessClaims | None = None
    refresh: RefreshToken | None = None
    live: bool = True

    def is_expired(self) -> bool:
        return self.refresh is not None and self.refresh.expires_at <= utcnow()

    def is_revoked(self) -> bool:
        rotated = self.refresh is not None and self.refresh.rotated_at is not None
        return rotated or not self.live


class _TokenLookup:
    """Find what a presented token stands for: an access token's or a refresh token's family."""

    server: ChainlessAuthorizationServer

    def check_params(self, request: Any, client: Any) -> None:
        """Only ``token`` is required. The hint is ignored, as RFC 7009 §2.1 and RFC 7662 §2.1
        allow: the token's shape tells its type, so an unknown hint is no error either."""
        if "token" not in request.form:
            raise InvalidRequestError("token is required")

    def query_token(self, token_string: str, token_type_hint: str | None) -> FoundToken | None:
        """Either kind, whatever the hint says (RFC 7009 §2.1: a wrong hint must not stop the
        search). A live family found is kept in the process's cache (``live_families``)."""
        services, session = self.server.services, self.server.session
        if token_string.count(".") == 2:
            claims = tokens.decode_access_token(services, token_string, session)
            epoch = live_families.current_epoch(services) if claims else None
            found = (
                live_families.family_with_liveness(session, claims.family_id) if claims else None
            )
            if found is not None:
                family, live = found
                if live:
                    live_families.remember(services, family, epoch)
                return FoundToken("access_token", family, claims=claims, live=live)
        if token_string.startswith(tokens.REFRESH_PREFIX):
            row = revocation.refresh_token_row(session, services, token_string)
            if row is not None:
                refresh, family, live = row
                return FoundToken("refresh_token", family, refresh=refresh, live=live)
        return None


class Revocation(_TokenLookup, RevocationEndpoint):
    CLIENT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]

    def authenticate_token(self, request: Any, client: Any) -> Any:
        self.check_params(request, client)
        found = self.query_token(request.form["token"], request.form.get("token_type_hint"))
        if found is None or found.family.app_id != client.client_id:
            return None  # RFC 7009 §2.2: an unknown or foreign token is answered 200 all the same
        return found

    def revoke_token(self, token: FoundToken, request: Any) -> None:
        """Revoking either token ends its device session: the family's refresh chain and every
        access token issued in it (they are checked against the family on every use)."""
        family = token.family
        if revocation.revoke_family(self.server.session, family, reason="client_revoked"):
            audit.record(
                self.server.session,
                f"app:{family.app_id}",
                "oauth.token_revoked",
                target_type="token_family",
                target_id=family.id,
                app_id=family.app_id,
            )


class Introspection(_TokenLookup, IntrospectionEndpoint):
    CLIENT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]

    def check_permission(self, token: FoundToken, client: Any, request: Any) -> bool:
        return bool(token.family.app_id == client.client_id)  # an app sees its own tokens only

    def introspect_token(self, token: FoundToken) -> dict[str, Any]:
        family, claims = token.family, token.claims
        if token.kind == "refresh_token" or claims is None:
            return {
                "active": True,
                "token_type": "refresh_token",
                "client_id": family.app_id,
                "sub": family.user_id,
                "sid": family.id,
            }
        return access_token_payload(claims, self.server.services.settings.public_url)


def _with(server: ChainlessAuthorizationServer) -> ChainlessAuthorizationServer:
    server.register_endpoint(Revocation)
    server.register_endpoint(Introspection)
    return server


@router.post(
    "/oauth/token",
    summary="Exchange a code, or refresh (RFC 6749 §4.1.3, §6)",
    dependencies=[RequestSlot],
    response_class=Response,
    responses=oauth_error_responses(400, 401),
)
@limited_in_body(_token_limit_spec)
async def token(request: Request, form: Form, services: ServicesDep) -> Response:
    """The route's limit with the client's record and lockout counter in one Redis call on the
    event loop when the process holds the record (``token_limit``); the grant and the commit in
    one thread-pool hop. A urlencoded request usually has it called by ``LeanToken``, ahead of
    routing."""
    limit = _token_limit_spec.limit(services)
    counted = await count_with_client(services, request.headers, form, limit)
    return await run_in_threadpool(_token, request, form, services, counted)


def _token(
    request: Request, form: FormData, services: Services, counted: Counted | None
) -> Response:
    if counted is None:
        apply_limit(
            services, None, current_request().ip or "unknown", _token_limit_spec.limit(services)
        )
    tokens.ensure_signing_key(services)
    with services.database.transaction() as session:
        server = build_server(services, session)
        if counted is not None:
            server.known_client(counted.client_id, counted.record, counted.failures)
        return server.create_token_response(oauth_request(request, services, form))


@router.post(
    "/oauth/revoke",
    summary="Revoke a token (RFC 7009)",
    dependencies=[RequestSlot],
    response_class=Response,
    responses=oauth_error_responses(400, 401),
)
@limited_in_body(_backend_limit_spec)
async def revoke(request: Request, form: Form, services: ServicesDep) -> Response:
    return await run_in_threadpool(_revoke, request, form, services)


def _revoke(request: Request, form: FormData, services: Services) -> Response:
    ip = current_request().ip or "unknown"
    apply_limit(services, None, ip, _backend_limit_spec.limit(services))
    with services.database.transaction() as session:
        server = _with(build_server(services, session))
        return server.create_endpoint_response("revocation", oauth_request(request, services, form))


@router.post(
    "/oauth/introspect",
    summary="Introspect a token (RFC 7662)",
    dependencies=[RequestSlot],
    response_class=Response,
    responses=oauth_error_responses(400, 401),
)
@limited_in_body(_backend_limit_spec)
async def introspect(request: Request, form: Form, services: ServicesDep) -> Response:
    """From the process's caches when they hold everything (``oauth.introspection``, usually
    answered by ``CachedIntrospection`` before routing); else Authlib's endpoint on the
    database, in one thread-pool hop."""
    counted = request.scope.get("state", {}).get(COUNTED)
    if counted is None:  # not seen by the middleware
        limit = LIMIT.limit(services)
        outcome = await answer_from_caches(services, request.headers, form, limit)
        if outcome.response is not None:
            return outcome.response
        counted = outcome.counted
    return await run_in_threadpool(_introspect, request, form, services, not counted)


def _introspect(request: Request, form: FormData, services: Services, count: bool) -> Response:
    if count:
        apply_limit(
            services, None, current_request().ip or "unknown", _backend_limit_spec.limit(services)
        )
    with services.database.transaction() as session:
        server = _with(build_server(services, session))
        return server.create_endpoint_response(
            "introspection", oauth_request(request, services, form)
        )
