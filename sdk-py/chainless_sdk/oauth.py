"""The app backend's side of wallet login: authorize URL, code exchange, refresh, introspection.

Endpoints come from the server's metadata (RFC 8414), so the SDK follows the platform rather than
hard-coding paths. A confidential client authenticates with ``client_secret_basic`` (RFC 6749
§2.3.1) on every call; a public client (an app registered with ``token_endpoint_auth_method``
``none``) sends only its ``client_id`` and relies on PKCE.
"""

from __future__ import annotations

import hmac
import threading
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import httpx

from chainless_sdk.errors import OAuthError
from chainless_sdk.pkce import PkcePair, new_pkce, new_state
from chainless_sdk.tokens import TokenSet

METADATA_PATH = "/.well-known/oauth-authorization-server"


@dataclass(frozen=True)
class AuthorizationRequest:
    """Where to send the wallet, and what to keep in the user's session until it comes back."""

    url: str
    state: str
    pkce: PkcePair


class OAuthClient:
    """One mini-program's client of the platform's authorization server; thread-safe."""

    def __init__(
        self,
        issuer: str,
        client_id: str,
        client_secret: str | None = None,
        *,
        http: httpx.Client | None = None,
        timeout: float = 10.0,
    ) -> None:
        self.issuer = issuer.rstrip("/")
        self.client_id = client_id
        self._secret = client_secret
        self._http = http or httpx.Client(timeout=timeout)
        self._metadata: dict[str, Any] | None = None
        self._lock = threading.Lock()

    # -- discovery ---------------------------------------------------------------------------

    def metadata(self) -> dict[str, Any]:
        """The server's RFC 8414 metadata, fetched once; its issuer must be the one configured."""
        with self._lock:
            if self._metadata is None:
                response = self._http.get(self.issuer + METADATA_PATH)
                response.raise_for_status()
                document = response.json()
                if str(document.get("issuer", "")).rstrip("/") != self.issuer:
                    # RFC 8414 §3.3: a mismatch means the document is not this server's
                    raise OAuthError("invalid_metadata", f"issuer is {document.get('issuer')!r}")
                self._metadata = document
            return self._metadata

    def _endpoint(self, name: str) -> str:
        return str(self.metadata()[name])

    # -- the code flow -----------------------------------------------------------------------

    def authorization_request(
        self, redirect_uri: str, scope: str | list[str], **extra: str
    ) -> AuthorizationRequest:
        """A fresh ``state`` and PKCE pair, and the URL that starts the flow with them."""
        pkce, state = new_pkce(), new_state()
        params = {
            "response_type": "code",
            "client_id": self.client_id,
            "redirect_uri": redirect_uri,
            "scope": scope if isinstance(scope, str) else " ".join(scope),
            "state": state,
            "code_challenge": pkce.challenge,
            "code_challenge_method": pkce.method,
            **extra,
        }
        url = f"{self._endpoint('authorization_endpoint')}?{urlencode(params)}"
        return AuthorizationRequest(url=url, state=state, pkce=pkce)

    def exchange_code(
        self,
        callback_params: dict[str, str],
        *,
        expected_state: str,
        redirect_uri: str,
        code_verifier: str,
    ) -> TokenSet:
        """Check the callback (error, state) and exchange its code for tokens (RFC 6749 §4.1.3)."""
        if "error" in callback_params:
            raise OAuthError(callback_params["error"], callback_params.get("error_description", ""))
        if not _same(callback_params.get("state", ""), expected_state):
            raise OAuthError("state_mismatch", "the callback does not belong to this session")
        return self._token(
            {
                "grant_type": "authorization_code",
                "code": callback_params.get("code", ""),
                "redirect_uri": redirect_uri,
                "code_verifier": code_verifier,
            }
        )

    def refresh(self, tokens: TokenSet | str) -> TokenSet:
        """Rotate the refresh token (the old one stops working) and get a new access token."""
        refresh_token = tokens if isinstance(tokens, str) else tokens.refresh_token
        if not refresh_token:
            raise OAuthError("invalid_request", "no refresh token to use")
        return self._token({"grant_type": "refresh_token", "refresh_token": refresh_token})

    def fresh(self, tokens: TokenSet) -> TokenSet:
        """``tokens`` while the access token has over five minutes left, else refreshed ones."""
        return self.refresh(tokens) if tokens.needs_refresh() else tokens

    # -- token management --------------------------------------------------------------------

    def revoke(self, token: str, token_type_hint: str | None = None) -> None:
        """RFC 7009: the server answers 200 even for a token it does not know."""
        data = {"token": token, **({"token_type_hint": token_type_hint} if token_type_hint else {})}
        self._post(self._endpoint("revocation_endpoint"), data)

    def introspect(self, token: str) -> dict[str, Any]:
        """RFC 7662: ``{"active": false}`` the moment a token is revoked or its app delisted."""
        return self._post(self._endpoint("introspection_endpoint"), {"token": token})

    def userinfo(self, access_token: str) -> dict[str, Any]:
        """The claims the token's scopes allow (wallet address, user id, …)."""
        response = self._http.get(
            self._endpoint("userinfo_endpoint"),
            headers={"Authorization": f"Bearer {access_token}"},
        )
        return _json_or_raise(response)

    # -- plumbing ----------------------------------------------------------------------------

    def _token(self, data: dict[str, str]) -> TokenSet:
        return TokenSet.from_response(self._post(self._endpoint("token_endpoint"), data))

    def _post(self, url: str, data: dict[str, str]) -> dict[str, Any]:
        if self._secret is None:
            response = self._http.post(url, data={**data, "client_id": self.client_id})
        else:
            response = self._http.post(url, data=data, auth=(self.client_id, self._secret))
        return _json_or_raise(response)


def _json_or_raise(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        body = {}
        if response.status_code < 400:
            raise OAuthError(
                "server_error", "the answer is not a JSON object", response.status_code
            )
    if response.status_code >= 400:
        error = body.get("error") or body.get("code") or "server_error"
        description = body.get("error_description") or body.get("detail") or response.text[:200]
        raise OAuthError(str(error), str(description), response.status_code)
    return body


def _same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())
