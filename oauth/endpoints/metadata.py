"""Authorization server metadata (RFC 8414) and the JWKS (RFC 7517)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Response

from chainless.oauth.keys import jwks
from chainless.platform.core.deps import DbSession, RateLimit, ServicesDep
from chainless.platform.core.scopes import SCOPES

router = APIRouter(tags=["oauth"])
# Public documents that backends fetch and cache: a generous per-IP limit, still a limit.
_limit = [Depends(RateLimit("oauth.discovery", "per_ip_per_minute", 60))]


@router.get(
    "/.well-known/oauth-authorization-server", summary="RFC 8414 metadata", dependencies=_limit
)
def metadata(services: ServicesDep) -> dict[str, Any]:
    """Exactly what is supported: code flow, PKCE S256 only, the two grants, SIWE sign-in."""
    base = services.settings.public_url.rstrip("/")
    return {
        "issuer": services.settings.public_url,
        "authorization_endpoint": f"{base}/oauth/authorize",
        "token_endpoint": f"{base}/oauth/token",
        "revocation_endpoint": f"{base}/oauth/revoke",
        "introspection_endpoint": f"{base}/oauth/introspect",
        "userinfo_endpoint": f"{base}/oauth/userinfo",
        "jwks_uri": f"{base}/oauth/jwks",
        "scopes_supported": list(SCOPES),
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code", "refresh_token"],
        "code_challenge_methods_supported": ["S256"],
        "token_endpoint_auth_methods_supported": [
            "client_secret_basic",
            "client_secret_post",
            "none",
        ],
        "revocation_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "introspection_endpoint_auth_methods_supported": [
            "client_secret_basic",
            "client_secret_post",
        ],
        "access_token_signing_alg_values_supported": ["ES256"],
        "authorization_response_iss_parameter_supported": False,
        "siwe_nonce_endpoint": f"{base}/oauth/siwe/nonce",
        "siwe_prepare_endpoint": f"{base}/oauth/siwe/prepare",
        "siwe_sign_in_endpoint": f"{base}/oauth/siwe/sign-in",
        "siwe_chain_ids_supported": sorted({c.chain_id for c in services.settings.chains.values()}),
        "service_documentation": f"{base}/docs",
    }


@router.get(
    "/oauth/jwks",
    summary="Public keys that sign access tokens (RFC 7517)",
    dependencies=_limit,
)
def jwks_endpoint(session: DbSession, response: Response) -> dict[str, Any]:
    response.headers["Cache-Control"] = "public, max-age=300"
    return jwks(session)
