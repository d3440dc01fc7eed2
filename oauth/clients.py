"""A mini-program as an OAuth client (RFC 6749 §2): ``client_id`` is its ``app_id``.

Only online (listed) apps are clients at all. Each app records at creation how it authenticates
(``token_endpoint_auth_method``, RFC 7591 §2):

- a confidential client (``client_secret_basic`` or ``client_secret_post``: an app backend
  holding the app secret) must present the secret on every token, revocation and introspection
  request (RFC 6749 §2.3.1, §3.2.1; OAuth 2.1 §2.4). Either secret method is accepted, as both
  carry the same credential; ``none`` never is, so a stolen refresh token, or a code with its
  verifier, is worth nothing without the secret.
- a public client (``none``: a mini-program without a backend, the SDK's public mode) sends its
  ``client_id`` alone to the token endpoint and relies on PKCE, required of every client anyway;
  its refresh tokens are short-lived (``tokens.refresh_lifetime``). It cannot introspect or
  revoke, which are for app backends (RFC 7662 §2.1).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from authlib.oauth2.rfc6749 import ClientMixin
from authlib.oauth2.rfc6749.errors import InvalidScopeError, OAuth2Error

from chainless.platform.apps.oauth_view import PUBLIC_CLIENT_METHOD, SECRET_METHODS, ClientRecord
from chainless.platform.core.scopes import DEFAULT_SCOPES
from chainless.platform.core.security import SecretHasher

BACKEND_AUTH_METHODS = frozenset(SECRET_METHODS)
GRANT_TYPES = frozenset({"authorization_code", "refresh_token"})
APP_DELISTED = "app_delisted"  # the platform's stable code, as the relay and the CDN answer it


class AppDelistedError(OAuth2Error):
    """A delisted app asking for anything: RFC 6749 §5.2 ``invalid_client`` (it is no client any
    more), 401 with a ``WWW-Authenticate`` challenge as §5.2 requires of Basic authentication.
    ``error_description`` says why, and the extension member ``error_code`` carries
    ``app_delisted``, the code the relay's and the CDN's problem answers carry. Not an
    ``InvalidClientError``: a delisted app's calls are not failed secrets for the lockout."""

    error = "invalid_client"
    status_code = 401
    description = f"{APP_DELISTED}: the app was delisted by Chainless operations"

    def get_body(self) -> list[tuple[str, Any]]:
        return [*super().get_body(), ("error_code", APP_DELISTED)]

    def get_headers(self) -> list[tuple[str, str]]:
        challenge = f'Basic error="{self.error}", error_description="{self.description}"'
        return [*super().get_headers(), ("WWW-Authenticate", challenge)]


@dataclass(frozen=True)
class OAuthClient(ClientMixin):
    record: ClientRecord
    hasher: SecretHasher

    @property
    def client_id(self) -> str:
        return self.record.app_id

    def get_client_id(self) -> str:
        return self.record.app_id

    def get_default_redirect_uri(self) -> str | None:
        return None  # redirect_uri is always required (no defaults)

    def get_allowed_scope(self, scope: str | None) -> str:
        """The requested scopes, each of which the app must be approved for (no silent narrowing:
        the app learns exactly which scope it may not ask for). No scope asks for the basic ones."""
        approved = self.record.approved_scopes
        requested = list(dict.fromkeys((scope or "").split()))
        if not requested:
            requested = [s for s in DEFAULT_SCOPES if s in approved]
        refused = [s for s in requested if s not in approved]
        if refused:
            raise InvalidScopeError(description=f"the app is not approved for: {' '.join(refused)}")
        if not requested:
            raise InvalidScopeError(description="no scope requested")
        return " ".join(requested)

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return redirect_uri in self.record.redirect_uris  # exact string match (RFC 9700 §4.1.3)

    def check_client_secret(self, client_secret: str) -> bool:
        matches = [self.hasher.matches(client_secret, h) for h in self.record.secret_hashes()]
        return any(matches)  # every hash is compared, so timing does not tell which one matched

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        """The client's registered kind decides (see the module): a public client uses ``none``
        at the token endpoint only; a confidential one its secret, everywhere."""
        if self.record.public:
            return method == PUBLIC_CLIENT_METHOD and endpoint == "token"
        return method in BACKEND_AUTH_METHODS

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code"

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type in GRANT_TYPES
