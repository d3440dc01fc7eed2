"""Offline verification of the platform's access tokens (RFC 9068 JWT profile, ES256, JWKS).

A backend that verifies offline trusts a token until it expires (15 minutes by default): a user's
revocation is seen at once only through introspection. Use :meth:`OAuthClient.introspect` before
anything irreversible, such as a transfer.
"""

from __future__ import annotations

import base64
import json
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import httpx
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from chainless_sdk.errors import TokenInvalid

ACCESS_TOKEN_TYPE = "at+jwt"  # noqa: S105 - RFC 9068 §2.1 "typ", not a secret
ALGORITHM = "ES256"
REQUIRED_CLAIMS = ("iss", "sub", "aud", "exp", "iat", "jti", "client_id")


@dataclass(frozen=True)
class VerifiedToken:
    subject: str
    client_id: str
    scope: tuple[str, ...]
    expires_at: int
    wallet_address: str | None
    claims: dict[str, Any] = field(repr=False)

    def has_scope(self, scope: str) -> bool:
        return scope in self.scope


class AccessTokenVerifier:
    """Verifies access tokens addressed to one app, with the issuer's keys cached in memory.

    Keys are fetched from the JWKS on first use and again when a token names an unknown ``kid``
    (the platform rotated its key), but at most once per ``refetch_interval`` so that forged tokens
    with random key ids cannot turn the verifier into a load generator against the platform.
    """

    def __init__(
        self,
        issuer: str,
        audience: str,
        *,
        jwks_uri: str | None = None,
        http: httpx.Client | None = None,
        leeway: int = 30,
        cache_seconds: int = 300,
        refetch_interval: int = 30,
    ) -> None:
        self.issuer = issuer
        self.audience = audience
        self.jwks_uri = jwks_uri or issuer.rstrip("/") + "/oauth/jwks"
        self.leeway = leeway
        self._http = http or httpx.Client(timeout=10.0)
        self._cache_seconds = cache_seconds
        self._refetch_interval = refetch_interval
        self._keys: KeySet | None = None
        self._kids: set[str] = set()
        self._fetched_at = float("-inf")
        self._lock = threading.Lock()

    def verify(self, token: str, *, required_scope: str | None = None) -> VerifiedToken:
        header = _header(token)
        if header.get("typ") != ACCESS_TOKEN_TYPE:
            raise TokenInvalid(
                "wrong_type", f"typ is {header.get('typ')!r}, not {ACCESS_TOKEN_TYPE}"
            )
        if header.get("alg") != ALGORITHM:
            raise TokenInvalid("wrong_algorithm", f"alg is {header.get('alg')!r}")
        keys = self._keys_for(str(header.get("kid", "")))
        try:
            decoded = jwt.decode(token, keys, algorithms=[ALGORITHM])
        except (JoseError, ValueError) as error:
            raise TokenInvalid("bad_signature", str(error)) from None
        claims = dict(decoded.claims)
        self._check_claims(claims)
        scope = tuple(str(claims.get("scope", "")).split())
        if required_scope is not None and required_scope not in scope:
            raise TokenInvalid("insufficient_scope", f"the token lacks {required_scope!r}")
        return VerifiedToken(
            subject=str(claims["sub"]),
            client_id=str(claims["client_id"]),
            scope=scope,
            expires_at=int(claims["exp"]),
            wallet_address=claims.get("wallet_address"),
            claims=claims,
        )

    def _check_claims(self, claims: dict[str, Any]) -> None:
        missing = [name for name in REQUIRED_CLAIMS if name not in claims]
        if missing:
            raise TokenInvalid("missing_claims", ", ".join(missing))
        if claims["iss"] != self.issuer:
            raise TokenInvalid("wrong_issuer", f"iss is {claims['iss']!r}")
        audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
        if self.audience not in audiences or claims["client_id"] != self.audience:
            raise TokenInvalid("wrong_audience", "the token was issued to another app")
        now = time.time()
        if int(claims["exp"]) + self.leeway <= now:
            raise TokenInvalid("expired", "the access token has expired")
        if int(claims.get("nbf", claims["iat"])) - self.leeway > now:
            raise TokenInvalid("not_yet_valid", "the access token is not valid yet")

    def _keys_for(self, kid: str) -> KeySet:
        with self._lock:
            now = time.monotonic()
            stale = now - self._fetched_at > self._cache_seconds
            unknown = kid not in self._kids and now - self._fetched_at > self._refetch_interval
            if self._keys is None or stale or unknown:
                self._refresh_keys(now)
            if kid not in self._kids or self._keys is None:
                raise TokenInvalid("unknown_key", f"no published key has kid {kid!r}")
            return self._keys

    def _refresh_keys(self, now: float) -> None:
        response = self._http.get(self.jwks_uri)
        response.raise_for_status()
        document = response.json()
        self._keys = KeySet.import_key_set(document)
        self._kids = {str(key.get("kid", "")) for key in document.get("keys", [])}
        self._fetched_at = now


def _header(token: str) -> dict[str, Any]:
    try:
        encoded = token.split(".")[0]
        header = json.loads(base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)))
    except (ValueError, IndexError):
        raise TokenInvalid("malformed", "not a compact JWS") from None
    if not isinstance(header, dict) or token.count(".") != 2:
        raise TokenInvalid("malformed", "not a compact JWS")
    return header
