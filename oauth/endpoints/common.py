"""Shared plumbing of the wallet-login endpoints."""

from __future__ import annotations

import ipaddress
import secrets
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from fastapi import Request
from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy.orm import Session
from starlette.datastructures import FormData
from starlette.responses import HTMLResponse

from chainless.oauth import wallet_sessions
from chainless.oauth.server import StarletteOAuth2Request, public_uri
from chainless.platform.auth.dependencies import SAFE_METHODS
from chainless.platform.auth.tokens import CSRF_HEADER
from chainless.platform.core.errors import Forbidden, Unauthenticated
from chainless.platform.core.services import Services

_templates = Environment(
    loader=FileSystemLoader(Path(__file__).resolve().parents[1] / "pages"),
    autoescape=select_autoescape(["html"]),
)
PAGE_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}
# Scripts and styles run only with this response's nonce (no 'unsafe-inline'); the consent form
# may post to the platform and then redirect to an app: https, or http on loopback (RFC 8252).
_CSP = (
    "default-src 'none'; script-src 'nonce-{nonce}'; style-src 'nonce-{nonce}'; "
    "img-src https: data:; connect-src 'self'; base-uri 'none'; "
    "form-action {form_action}; frame-ancestors 'none'"
)
_FORM_ACTION = "'self' https: http://localhost:* http://127.0.0.1:*"


def form_action(redirect_uri: str | None) -> str:
    """Where the page's form may lead. CSP3's host-source grammar has no IPv6 literal
    (Chromium drops ``http://[::1]:*`` as invalid), so the page of an app that redirects to
    the IPv6 loopback (RFC 8252 §7.3) allows the ``http:`` scheme: that page only."""
    host = urlsplit(redirect_uri).hostname if redirect_uri else None
    if host is not None and ":" in host and ipaddress.ip_address(host).is_loopback:
        return _FORM_ACTION + " http:"
    return _FORM_ACTION


def render(
    name: str, status: int = 200, *, redirect_uri: str | None = None, **context: Any
) -> HTMLResponse:
    nonce = secrets.token_urlsafe(16)
    policy = _CSP.format(nonce=nonce, form_action=form_action(redirect_uri))
    return HTMLResponse(
        _templates.get_template(name).render(csp_nonce=nonce, **context),
        status_code=status,
        headers={**PAGE_HEADERS, "Content-Security-Policy": policy},
    )


def oauth_request(
    request: Request, services: Services, form: FormData | None = None
) -> StarletteOAuth2Request:
    uri = public_uri(services, request.url.path, request.url.query)
    return StarletteOAuth2Request(request.method, uri, request.headers, request.query_params, form)


async def read_form(request: Request) -> FormData:
    """Read a form body on the event loop so the sync endpoint gets it ready-made."""
    return await request.form(max_files=0, max_fields=50)


def wallet_token(request: Request) -> str | None:
    bearer = _bearer_wallet_token(request)
    return bearer if bearer is not None else request.cookies.get(wallet_sessions.COOKIE)


def _bearer_wallet_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    if header[:7].lower() == "bearer " and header[7:].strip().startswith(wallet_sessions.PREFIX):
        return header[7:].strip()
    return None


def current_wallet(
    request: Request, session: Session, services: Services
) -> wallet_sessions.WalletPrincipal | None:
    return wallet_sessions.resolve(session, services.hasher, wallet_token(request))


def require_wallet(
    request: Request, session: Session, services: Services
) -> wallet_sessions.WalletPrincipal:
    """The signed-in wallet; a change made through the cookie also needs its CSRF header.

    Only a request that authenticates with the bearer token itself is exempt: a browser attaches
    the cookie on its own, whatever other Authorization header the request happens to carry.
    """
    wallet = current_wallet(request, session, services)
    if wallet is None:
        raise Unauthenticated("sign in with your wallet first", code="wallet_session_required")
    via_cookie = _bearer_wallet_token(request) is None
    if (
        via_cookie
        and request.method not in SAFE_METHODS
        and not wallet.csrf_ok(services.hasher, request.headers.get(CSRF_HEADER))
    ):
        raise Forbidden(f"missing or wrong {CSRF_HEADER} header", code="csrf_failed")
    return wallet
