"""OpenAPI ``responses`` for the OAuth endpoints' errors, which are not problem+json: RFC 6749
§5.2 error bodies (the token, revocation and introspection endpoints; RFC 7009 §2.2.1, RFC 7662
§2.3), RFC 6750 §3.1 bearer errors (userinfo), and the authorization endpoint's error page
(RFC 6749 §4.1.2.1: an invalid client or redirect URI is never redirected to)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel


class OAuthError(BaseModel):
    """An RFC 6749 §5.2 error response."""

    error: str
    error_description: str | None = None
    error_uri: str | None = None


_DESCRIPTIONS = {
    400: "The request is invalid (RFC 6749 §5.2: invalid_request, invalid_grant, …)",
    401: "The client or the bearer token failed authentication (invalid_client, invalid_token)",
}


def oauth_error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    return {
        status: {"model": OAuthError, "description": _DESCRIPTIONS[status]} for status in statuses
    }


AUTHORIZATION_ERROR_PAGE: dict[int | str, dict[str, Any]] = {
    400: {
        "description": "The request cannot be redirected back: an error page (RFC 6749 §4.1.2.1)",
        "content": {"text/html": {}},
    }
}
