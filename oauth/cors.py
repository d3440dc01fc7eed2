"""CORS for public clients (Fetch standard, "CORS protocol"): a mini-program without a backend
(``@chainless/sdk`` public mode) reads the RFC 8414 metadata and posts the code exchange and its
refreshes to ``/oauth/token`` from its own origin in the browser.

Narrow on purpose: only those two paths; only for origins of a redirect URI registered by an
online public client (``token_endpoint_auth_method`` ``none``); never with credentials (no
``Access-Control-Allow-Credentials``: the wallet session cookie stays out of it, the token
request carries its client id and PKCE verifier in the form). Every other path, and every other
origin, gets no CORS header at all, so a browser keeps the answer from the page. Answers on the
two paths carry ``Vary: Origin`` either way, so a cache never hands one origin's answer to
another.
"""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers, MutableHeaders
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from chainless.platform.apps.oauth_view import cached_public_client_origins
from chainless.platform.core.services import Services

TOKEN_PATH = "/oauth/token"  # noqa: S105 (a path)
METADATA_PATH = "/.well-known/oauth-authorization-server"
METHODS = {TOKEN_PATH: "POST", METADATA_PATH: "GET"}
ALLOWED_HEADERS = "Content-Type"  # Accept and a form's Content-Type are safelisted already
MAX_AGE_SECONDS = 600


class PublicClientCors:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        method = METHODS.get(scope.get("path", "")) if scope["type"] == "http" else None
        origin = Headers(scope=scope).get("origin") if method else None
        if method is None or origin is None:
            await self.app(scope, receive, send)
            return
        allowed = await run_in_threadpool(_allowed, scope["app"].state.services, origin)
        headers = Headers(scope=scope)
        if scope["method"] == "OPTIONS" and "access-control-request-method" in headers:
            await _preflight(allowed, method, headers, origin)(scope, receive, send)
            return

        async def with_cors(message: Message) -> None:
            if message["type"] == "http.response.start":
                answer = MutableHeaders(scope=message)
                answer.add_vary_header("Origin")
                if allowed:
                    answer["Access-Control-Allow-Origin"] = origin
            await send(message)

        await self.app(scope, receive, with_cors)


def _allowed(services: Services, origin: str) -> bool:
    with services.transaction() as session:
        return origin in cached_public_client_origins(session, services)


def _preflight(allowed: bool, method: str, headers: Headers, origin: str) -> Response:
    """RFC-less but per Fetch §3.2.3: 204 with what may follow, or 403 without any CORS header."""
    asked = headers.get("access-control-request-headers", "")
    extra = {h.strip().lower() for h in asked.split(",") if h.strip()}
    if (
        not allowed
        or headers["access-control-request-method"] != method
        or extra - {"content-type"}
    ):
        return Response(status_code=403, headers={"Vary": "Origin"})
    return Response(
        status_code=204,
        headers={
            "Access-Control-Allow-Origin": origin,
            "Access-Control-Allow-Methods": method,
            "Access-Control-Allow-Headers": ALLOWED_HEADERS,
            "Access-Control-Max-Age": str(MAX_AGE_SECONDS),
            "Vary": "Origin",
        },
    )
