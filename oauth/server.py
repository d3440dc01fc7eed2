"""Authlib's authorization server on Starlette, with the request's database session.

Authlib has no Starlette integration, so this module is the thin adapter: an ``OAuth2Request``
built from an already-read Starlette request, responses turned into Starlette responses, and a
server whose lookups run on the request's one SQLAlchemy session (the endpoints are sync and run in
FastAPI's thread pool). One server object is built per request: it is cheap, and it keeps the
session out of any shared state.
"""

from __future__ import annotations

import json
import os
from collections import defaultdict
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from authlib.oauth2.rfc6749 import (  # type: ignore[import-untyped, unused-ignore]
    AuthorizationServer,
    OAuth2Payload,
    OAuth2Request,
)
from authlib.oauth2.rfc6749.errors import (  # type: ignore[import-untyped, unused-ignore]
    InvalidClientError,
    InvalidScopeError,
    UnsupportedResponseTypeError,
)
from authlib.oauth2.rfc6749.util import (  # type: ignore[import-untyped, unused-ignore]
    scope_to_list,
)
from sqlalchemy.orm import Session
from starlette.datastructures import FormData, Headers, QueryParams
from starlette.responses import JSONResponse, RedirectResponse, Response

from chainless.oauth.basic_auth import (
    BasicCredentials,
    MalformedBasicCredentials,
    basic_credentials,
    presents_basic,
)
from chainless.oauth.clients import AppDelistedError, OAuthClient
from chainless.platform.alerts.service import Level, raise_alert
from chainless.platform.apps.oauth_view import ClientRecord, cached_client_record
from chainless.platform.core.context import current_request
from chainless.platform.core.scopes import SCOPES
from chainless.platform.core.services import Services
from chainless.platform.core.settings import Mode, Settings

REDIRECT_HEADERS = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}
MAX_CLIENT_ID = 64


def printable(value: str, limit: int = 64) -> str:
    """``value`` fit for an ``error_description``: RFC 6749 §5.2 allows only %x20-21 / %x23-5B /
    %x5D-7E there (Authlib raises on anything else), so every other character becomes ``?``."""
    return "".join(c if " " <= c <= "~" and c not in '"\\' else "?" for c in value[:limit])


class StarlettePayload(OAuth2Payload):
    """Query and form parameters together (like Flask's ``request.values``)."""

    def __init__(self, query: QueryParams, form: FormData | None) -> None:
        self._lists: defaultdict[str, list[str]] = defaultdict(list)
        for key, text in query.multi_items():
            self._lists[key].append(text)
        if form is not None:
            for key, value in form.multi_items():
                if isinstance(value, str):
                    self._lists[key].append(value)
        self._data = {key: values[0] for key, values in self._lists.items()}

    @property
    def data(self) -> dict[str, str]:
        return self._data

    @property
    def datalist(self) -> defaultdict[str, list[str]]:
        return self._lists


class StarletteOAuth2Request(OAuth2Request):
    def __init__(
        self, method: str, uri: str, headers: Headers, query: QueryParams, form: FormData | None
    ):
        super().__init__(method=method, uri=uri, headers=headers)
        self.payload = StarlettePayload(query, form)
        self._args = dict(query.items())
        self._form = {k: v for k, v in (form or {}).items() if isinstance(v, str)}

    @property
    def args(self) -> dict[str, str]:
        return self._args

    @property
    def form(self) -> dict[str, str]:
        return self._form


def allow_http_outside_production(settings: Settings) -> None:
    """Authlib refuses non-https URIs. Production must be https (the settings guard says so); a
    development or test platform on plain http tells Authlib so, once, at start-up."""
    if settings.mode is not Mode.PRODUCTION and urlsplit(settings.public_url).scheme != "https":
        os.environ.setdefault("AUTHLIB_INSECURE_TRANSPORT", "1")


def public_uri(services: Services, path: str, query: str) -> str:
    """The URI as the client saw it: behind a TLS-terminating proxy the socket says http."""
    base = services.settings.public_url.rstrip("/")
    return f"{base}{path}" + (f"?{query}" if query else "")


class ChainlessAuthorizationServer(AuthorizationServer):
    """The platform's OAuth 2.0 server: apps are clients, wallet users are resource owners."""

    def __init__(self, services: Services, session: Session) -> None:
        super().__init__(scopes_supported=list(SCOPES))
        self.services = services
        self.session = session
        self._records: dict[str, ClientRecord | None] = {}  # Authlib asks more than once
        self._failures: dict[str, int] = {}  # lockout counters already read
        self.register_client_auth_method("client_secret_basic", _authenticate_secret_basic)

    def known_client(self, client_id: str, record: ClientRecord, failures: int) -> None:
        """The client's current record and its lockout counter (from this caller's address), as
        the endpoint already read them (``endpoints.token_limit``): not asked for again."""
        self._records[client_id] = record
        self._failures[client_failure_key(client_id, current_request().ip)] = failures

    def client_record(self, client_id: str) -> ClientRecord | None:
        """The app's client record: the process's copy while the ``oauth.clients`` epoch stands
        (``apps.oauth_view``), read once per request."""
        if not client_id or len(client_id) > MAX_CLIENT_ID:
            return None
        if client_id not in self._records:
            self._records[client_id] = cached_client_record(self.session, self.services, client_id)
        return self._records[client_id]

    # --- clients -------------------------------------------------------------------------
    def query_client(self, client_id: str) -> OAuthClient | None:
        record = self.client_record(client_id)
        if record is not None and record.delisted:
            raise AppDelistedError()  # named as such, not as an unknown client
        if record is None or not record.online:
            return None  # in review or unknown apps are not clients
        return OAuthClient(record, self.services.hasher)

    def authenticate_client(
        self, request: OAuth2Request, methods: list[str], endpoint: str = "token"
    ) -> Any:
        """Authlib's client authentication, behind a lockout after repeated bad secrets.

        A ``Basic`` header that cannot be read is ``invalid_client`` at once (RFC 6749 §5.2),
        never a server error and never a fall-back to another method (``basic_auth``). Whether
        a client may use a method at all is its own registration (``OAuthClient``): a
        confidential client always authenticates with its secret.

        The lockout counts per client *and caller address*: counted per client alone, anyone
        who knows an app's (public) client id could lock its backend out at will. Failures of
        one client from all addresses together raise an alert instead.
        """
        try:
            basic = basic_credentials(request.headers)
        except MalformedBasicCredentials as error:
            raise InvalidClientError(status_code=401, description=str(error)) from None
        client_id = _presented_client_id(request, basic)
        if client_id and len(client_id) > MAX_CLIENT_ID:
            raise InvalidClientError(status_code=401, description="unknown client")
        lock = self.services.settings.oauth
        key = client_failure_key(client_id or "", current_request().ip)
        if client_id and self._failure_count(key) >= lock.client_secret_max_failures:
            raise InvalidClientError(
                status_code=401,
                description="too many failed client authentications; try again later",
            )
        if basic is not None or "client_secret" in request.form:
            # a client that sends a secret is authenticated by it, never as a public client that
            # sent none (RFC 6749 §2.3: one method per request)
            methods = [method for method in methods if method != "none"]
        try:
            return super().authenticate_client(request, methods, endpoint)
        except InvalidClientError:
            if client_id and (basic is not None or request.form.get("client_secret")):
                self._count_failure(client_id, key)
            raise

    def _failure_count(self, key: str) -> int:
        known = self._failures.get(key)
        return self.services.counters.get(key) if known is None else known

    def _count_failure(self, client_id: str, key: str) -> None:
        lock = self.services.settings.oauth
        window = lock.client_lockout_minutes * 60
        self.services.counters.incr(key, window)
        total = self.services.counters.incr(client_failure_key(client_id, None), window)
        if total == lock.client_secret_max_failures and self.query_client(client_id) is not None:
            raise_alert(
                self.session,
                kind="oauth.client_secret_failures",
                subject=client_id,
                app_id=client_id,
                level=Level.WARNING,
                summary=f"{total} failed client authentications in {window // 60} minutes",
            )

    def validate_requested_scope(self, scope: str | None) -> None:
        """Every scope must exist; which ones an app may ask for is checked per client."""
        if not scope:
            return
        requested = set(scope_to_list(scope))
        if not requested <= SCOPES.keys():
            unknown = ", ".join(sorted(requested - SCOPES.keys()))
            raise InvalidScopeError(description=f"unknown scope: {printable(unknown)}")

    def get_authorization_grant(self, request: OAuth2Request) -> Any:
        """The code grant, or ``unsupported_response_type``: back to the app only when its
        redirect URI is registered (RFC 6749 §4.1.2.1). Authlib's own error echoes the response
        type into the description and crashes on characters that are not allowed there."""
        try:
            return super().get_authorization_grant(request)
        except (UnsupportedResponseTypeError, ValueError):
            response_type = request.payload.response_type or ""
        raise UnsupportedResponseTypeError(
            printable(response_type), redirect_uri=self._registered_redirect_uri(request)
        )

    def _registered_redirect_uri(self, request: OAuth2Request) -> str | None:
        client = self.query_client(request.payload.client_id or "")
        uri = request.payload.redirect_uri
        return uri if client is not None and uri and client.check_redirect_uri(uri) else None

    def save_token(self, token: dict[str, Any], request: OAuth2Request) -> None:
        """Tokens are persisted as they are issued (``tokens.TokenIssuer``); nothing left to do."""

    def send_signal(self, name: str, *args: Any, **kwargs: Any) -> None:
        return None

    # --- the Starlette adapter -----------------------------------------------------------
    def create_oauth2_request(self, request: Any) -> OAuth2Request:
        if isinstance(request, OAuth2Request):
            return request
        raise TypeError("build requests with oauth_request() before calling the server")

    def create_json_request(self, request: Any) -> Any:
        raise NotImplementedError("no JSON endpoints")

    def handle_response(self, status: int, body: Any, headers: list[tuple[str, str]]) -> Response:
        header_map = dict(headers)
        if status in (301, 302, 303) and "Location" in header_map:
            # the Location carries a code or an error: never cached, never sent on as Referer
            header_map.update(REDIRECT_HEADERS)
            return RedirectResponse(header_map.pop("Location"), status_code=302, headers=header_map)
        if isinstance(body, dict):
            return JSONResponse(body, status_code=status, headers=header_map)
        return Response(
            body if isinstance(body, str | bytes) else json.dumps(body),
            status_code=status,
            headers=header_map,
        )


def client_failure_key(client_id: str, ip: str | None) -> str:
    """The counter of failed client authentications: per caller address, or (``None``) all."""
    return f"oauth.client_failures:{client_id}" + (f":{ip or 'unknown'}" if ip is not None else "")


def _presented_client_id(request: OAuth2Request, basic: BasicCredentials | None) -> str | None:
    return basic.client_id if basic is not None else request.form.get("client_id")


def _authenticate_secret_basic(
    query_client: Callable[[str], OAuthClient | None], request: OAuth2Request
) -> OAuthClient | None:
    """Authlib's ``client_secret_basic`` on the strict reading of the header (``basic_auth``);
    ``ChainlessAuthorizationServer.authenticate_client`` has refused a malformed one already."""
    if not presents_basic(request.headers):
        return None
    basic = basic_credentials(request.headers)
    assert basic is not None
    client = query_client(basic.client_id)
    if client is None:
        raise InvalidClientError(
            status_code=401, description="The client does not exist on this server."
        )
    return client if client.check_client_secret(basic.secret) else None
