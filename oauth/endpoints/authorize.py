"""The authorization endpoint (RFC 6749 §3.1, §4.1.1) with the wallet's sign-in and consent pages.

Errors found before the client and its redirect URI are known good get an error page, never a
redirect (RFC 6749 §4.1.2.1); every later error goes back to the app with its ``state``.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from authlib.oauth2.rfc6749.errors import OAuth2Error
from fastapi import APIRouter, Depends, Request
from starlette.datastructures import FormData
from starlette.responses import Response

from chainless.oauth.clients import OAuthClient
from chainless.oauth.consent import consent_state, record_consent
from chainless.oauth.endpoints.common import current_wallet, oauth_request, read_form, render
from chainless.oauth.endpoints.error_responses import AUTHORIZATION_ERROR_PAGE
from chainless.oauth.grants import CodeGrant, RefreshGrant, RequiredS256Challenge, RequiredState
from chainless.oauth.server import ChainlessAuthorizationServer, StarletteOAuth2Request
from chainless.oauth.tokens import WalletIdentity
from chainless.oauth.wallet_sessions import WalletPrincipal
from chainless.platform.audit import service as audit
from chainless.platform.core.deps import DbSession, RateLimit, ServicesDep
from chainless.platform.core.scopes import SCOPES, ScopeGroup
from chainless.platform.core.services import Services

router = APIRouter(tags=["oauth"])
_limit = Depends(RateLimit("oauth.authorize", "oauth_authorize_per_ip_per_minute"))


def build_server(services: Services, session: Any) -> ChainlessAuthorizationServer:
    server = ChainlessAuthorizationServer(services, session)
    server.register_grant(CodeGrant, [RequiredS256Challenge(), RequiredState()])
    server.register_grant(RefreshGrant)
    return server


@router.get(
    "/oauth/authorize",
    summary="Authorization endpoint (code flow, PKCE S256, state)",
    dependencies=[_limit],
    response_class=Response,
    responses=AUTHORIZATION_ERROR_PAGE,
)
def authorize(request: Request, session: DbSession, services: ServicesDep) -> Response:
    oreq = oauth_request(request, services)
    server = build_server(services, session)
    try:
        grant = server.get_consent_grant(request=oreq)
    except OAuth2Error as error:
        return _error(server, oreq, error)
    client: OAuthClient = oreq.client
    wallet = current_wallet(request, session, services)
    if wallet is None:
        return render("signin.html", app=client.record, chains=_chain_ids(services))
    requested = oreq.scope.split()
    state = consent_state(
        session,
        user_id=wallet.user.id,
        app_id=client.client_id,
        requested=requested,
        prompt=oreq.payload.data.get("prompt"),
    )
    if not state.needs_screen:
        assert state.grant is not None
        return _issue(server, oreq, grant, wallet, state.grant.id)
    return _consent_page(request, client, grant, wallet, requested, state.extended, error=None)


@router.post(
    "/oauth/authorize",
    summary="The wallet user's decision on the consent screen",
    dependencies=[_limit],
    response_class=Response,
    responses=AUTHORIZATION_ERROR_PAGE,
)
def decide(
    request: Request,
    form: Annotated[FormData, Depends(read_form)],
    session: DbSession,
    services: ServicesDep,
) -> Response:
    oreq = oauth_request(request, services)  # the authorization request rides in the query string
    server = build_server(services, session)
    try:
        grant = server.get_consent_grant(request=oreq)
    except OAuth2Error as error:
        return _error(server, oreq, error)
    client: OAuthClient = oreq.client
    wallet = current_wallet(request, session, services)
    if wallet is None:
        return render("signin.html", app=client.record, chains=_chain_ids(services))
    csrf = form.get("csrf_token")
    if not wallet.csrf_ok(services.hasher, csrf if isinstance(csrf, str) else None):
        return render(
            "error.html",
            status=403,
            title="This page has expired",
            detail="Open the app again to continue.",
        )
    requested = oreq.scope.split()
    state = consent_state(
        session, user_id=wallet.user.id, app_id=client.client_id, requested=requested, prompt=None
    )
    if form.get("decision") != "approve":
        audit.record(
            session,
            audit.WalletUser(wallet.user.id),
            "oauth.consent_denied",
            target_type="app",
            target_id=client.client_id,
            app_id=client.client_id,
        )
        return server.create_authorization_response(request=oreq, grant_user=None, grant=grant)
    if state.extended and form.get("confirm_extended") != "yes":
        return _consent_page(
            request,
            client,
            grant,
            wallet,
            requested,
            state.extended,
            error="Confirm separately that you share your personal data, or deny.",
        )
    authorization = record_consent(
        session, user_id=wallet.user.id, app_id=client.client_id, scopes=requested
    )
    return _issue(server, oreq, grant, wallet, authorization.id)


def _issue(
    server: ChainlessAuthorizationServer,
    oreq: StarletteOAuth2Request,
    grant: Any,
    wallet: WalletPrincipal,
    authorization_id: str,
) -> Response:
    oreq.chainless = {"authorization_id": authorization_id, "wallet_session_id": wallet.session.id}
    user = WalletIdentity(wallet.user.id, wallet.user.address, wallet.session.created_at)
    return server.create_authorization_response(request=oreq, grant_user=user, grant=grant)


def _error(
    server: ChainlessAuthorizationServer, oreq: StarletteOAuth2Request, error: OAuth2Error
) -> Response:
    if error.redirect_uri:
        return server.handle_error_response(oreq, error)
    return render(
        "error.html",
        status=400,
        title="This sign-in request cannot continue",
        detail=error.description or error.error,
        error=error.error,
    )


def _consent_page(
    request: Request,
    client: OAuthClient,
    grant: Any,
    wallet: WalletPrincipal,
    requested: list[str],
    extended: tuple[str, ...],
    *,
    error: str | None,
) -> Response:
    scopes = [SCOPES[name] for name in requested]
    return render(
        "consent.html",
        redirect_uri=grant.redirect_uri,  # where Allow and Deny lead (validated)
        app=client.record,
        address=wallet.user.address,
        error=error,
        ordinary=[s for s in scopes if s.group is not ScopeGroup.EXTENDED],
        extended=[SCOPES[name] for name in extended],
        action=f"{request.url.path}?{urlencode(list(request.query_params.multi_items()))}",
        csrf_token=wallet.form_csrf_token,
    )


def _chain_ids(services: Services) -> list[int]:
    return sorted({chain.chain_id for chain in services.settings.chains.values()})
