"""Issue and check tokens.

Access tokens are ES256-signed JWTs with the RFC 9068 claims (``typ: at+jwt``) plus the wallet
address (only with the ``basic:address`` scope: a token is readable by the app, so it carries no
more than the user agreed to share), so app backends can verify them offline against the JWKS.
Each carries ``sid``, its token family (one device's session of one grant): revoking the family
or the grant makes every token of it inactive at once for introspection and for the platform's
own APIs, which check that state on every use (``live_families``: a per-process copy behind a
Redis epoch that every revocation bumps). Refresh tokens are opaque, stored
as hashes, rotated on every use.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from joserfc import jwt
from joserfc.errors import JoseError
from sqlalchemy.orm import Session

from chainless.oauth import live_families, token_writes
from chainless.oauth.keys import KeyCipher, KeyRing
from chainless.oauth.models import RefreshToken, TokenFamily, UserAuthorization
from chainless.oauth.token_writes import Issue
from chainless.oauth.verified_tokens import VerifiedTokens
from chainless.platform.core.clock import utcnow
from chainless.platform.core.security import new_hex_id, new_token
from chainless.platform.core.services import Services

REFRESH_PREFIX = "clr_"
ADDRESS_SCOPE = "basic:address"
ACCESS_TOKEN_TYPE = "at+jwt"  # noqa: S105 - RFC 9068 §2.1, the JWT "typ" header
_KEYRING = "oauth.keyring"
_VERIFIED = "oauth.verified_tokens"


@dataclass(frozen=True)
class WalletIdentity:
    """The resource owner as Authlib sees it."""

    user_id: str
    address: str
    auth_time: datetime

    def get_user_id(self) -> str:
        return self.user_id


@dataclass(frozen=True)
class AccessClaims:
    subject: str
    client_id: str
    scope: tuple[str, ...]
    family_id: str
    grant_id: str
    wallet_address: str | None  # only with the ``basic:address`` scope
    issued_at: int
    expires_at: int
    jti: str
    raw: dict[str, Any]


def keyring(services: Services) -> KeyRing:
    ring = services.extras.get(_KEYRING)
    if ring is None:
        ring = services.extras.setdefault(
            _KEYRING, KeyRing(KeyCipher(services.settings.secret_key))
        )
    assert isinstance(ring, KeyRing)
    return ring


def ensure_signing_key(services: Services) -> None:
    """Have the signing key and the next one (``keys.ensure``): at the api's start (the oauth
    component), and before a token request writes anything, since the first pair is created in a
    transaction of its own and SQLite (one writer at a time) would make that transaction wait
    for the request's, which waits for it."""
    keyring(services).ensure(services.database.session)


def start_family(
    *,
    authorization: UserAuthorization,
    code_hash: str | None,
    wallet_session_id: str | None,
    device_name: str,
    now: datetime,
) -> TokenFamily:
    """A new device session, used ``now``: written by ``issue`` (``token_writes``)."""
    return TokenFamily(
        id=new_hex_id(),
        authorization_id=authorization.id,
        user_id=authorization.user_id,
        app_id=authorization.app_id,
        code_hash=code_hash,
        wallet_session_id=wallet_session_id,
        device_name=device_name[:128],
        created_at=now,
        last_used_at=now,
    )


def issue(
    services: Services,
    session: Session,
    *,
    family: TokenFamily,
    authorization: UserAuthorization,
    user: WalletIdentity,
    scope: str,
    include_refresh_token: bool,
    refresh_scope: str | None = None,
    moment: datetime | None = None,
    new_family: bool = False,
    rotated: RefreshToken | None = None,
    public_client: bool = False,
) -> dict[str, Any]:
    """Sign an access token for the family and, when asked, add a fresh refresh token to it
    (with ``refresh_scope``, by default the access token's), replacing ``rotated``. The family
    (inserted when ``new_family``), the grant (``authorization``, as the caller holds it) and the
    refresh tokens are written together (``token_writes``)."""
    settings = services.settings.oauth
    now = int(time.time())
    signing = keyring(services).signing_key(session)
    claims = {
        "iss": services.settings.public_url,
        "sub": user.user_id,
        "aud": family.app_id,
        "client_id": family.app_id,
        "iat": now,
        "exp": now + settings.access_token_ttl_seconds,
        "jti": uuid.uuid4().hex,
        "scope": scope,
        "auth_time": int(user.auth_time.timestamp()),
        "sid": family.id,
        "grant_id": family.authorization_id,
    }
    if ADDRESS_SCOPE in scope.split():  # the address is shared only when the user agreed to
        claims["wallet_address"] = user.address
    header = {"alg": "ES256", "kid": signing.kid, "typ": ACCESS_TOKEN_TYPE}
    token: dict[str, Any] = {
        "access_token": jwt.encode(header, claims, signing.key),
        "token_type": "Bearer",
        "expires_in": settings.access_token_ttl_seconds,
        "scope": scope,
    }
    moment = moment or utcnow()
    issue = Issue(family, authorization, moment, new_family=new_family, rotated=rotated)
    if include_refresh_token:
        plain = REFRESH_PREFIX + new_token(32)
        issue.successor = RefreshToken(
            id=new_hex_id(),
            token_hash=services.hasher.hash(plain),
            family_id=family.id,
            scope=(scope if refresh_scope is None else refresh_scope).split(),
            created_at=moment,
            expires_at=moment + refresh_lifetime(services, public_client=public_client),
        )
        token["refresh_token"] = plain
    token_writes.store(session, issue)
    return token


def refresh_lifetime(services: Services, *, public_client: bool) -> timedelta:
    """How long a new refresh token lives. A public client's is short (a day by default): no
    secret protects it, and it is not sender-constrained, so rotation (RFC 9700 §4.14.2) and a
    short life are what limit a stolen one (OAuth 2.1 §4.3.1)."""
    settings = services.settings.oauth
    if public_client:
        return timedelta(hours=settings.public_client_refresh_token_ttl_hours)
    return timedelta(days=settings.refresh_token_ttl_days)


def decode_access_token(
    services: Services, token: str, session: Session | None = None
) -> AccessClaims | None:
    """Signature, type, issuer and expiry; ``None`` for anything that is not a valid token.

    Keys unknown to this process are looked up through ``session`` (the request's), or a
    session of its own."""
    if token.count(".") != 2 or len(token) > 4096:
        return None
    if session is None:
        with services.database.session() as own:
            return decode_access_token(services, token, own)
    ring = keyring(services)
    return _decode(services, token, lambda kid: ring.public_key(session, kid))


def decode_with_held_keys(services: Services, token: str) -> AccessClaims | None:
    """``decode_access_token`` with only the keys this process holds fresh, no database at all:
    ``None`` also when the token's key is not at hand (the caller then takes the long way).
    A token verified before is answered from ``verified_tokens`` while its key is held."""
    if token.count(".") != 2 or len(token) > 4096:
        return None
    ring = keyring(services)
    verified = _verified(services)
    key = verified.key(token)
    known = verified.get(key, int(time.time()))
    if known is not None:
        claims, kid = known
        if ring.held_public_key(kid) is not None:
            return claims
        verified.forget(key)  # rotated out or not fresh: verify again
    used: list[str] = []

    def held_key(kid: str) -> Any | None:
        used.append(kid)
        return ring.held_public_key(kid)

    decoded = _decode(services, token, held_key)
    if decoded is not None and used:
        verified.put(key, decoded, used[-1])
    return decoded


def _verified(services: Services) -> VerifiedTokens:
    found = services.extras.get(_VERIFIED)
    if found is None:
        found = services.extras.setdefault(_VERIFIED, VerifiedTokens())
    assert isinstance(found, VerifiedTokens)
    return found


def _decode(
    services: Services, token: str, public_key: Callable[[str], Any | None]
) -> AccessClaims | None:
    def key_for(guest: Any) -> Any:
        header = guest.headers()
        if header.get("typ") != ACCESS_TOKEN_TYPE:
            raise ValueError("not an access token")
        key = public_key(str(header.get("kid", "")))
        if key is None:
            raise ValueError("unknown key id")
        return key

    try:
        decoded = jwt.decode(token, key_for, algorithms=["ES256"])
    except (JoseError, ValueError, TypeError):
        return None
    claims = decoded.claims
    now = int(time.time())
    if claims.get("iss") != services.settings.public_url or int(claims.get("exp", 0)) <= now:
        return None
    try:
        return AccessClaims(
            subject=str(claims["sub"]),
            client_id=str(claims["client_id"]),
            scope=tuple(str(claims.get("scope", "")).split()),
            family_id=str(claims["sid"]),
            grant_id=str(claims["grant_id"]),
            wallet_address=_optional_str(claims.get("wallet_address")),
            issued_at=int(claims["iat"]),
            expires_at=int(claims["exp"]),
            jti=str(claims["jti"]),
            raw=dict(claims),
        )
    except (KeyError, TypeError, ValueError):
        return None


def _optional_str(value: Any) -> str | None:
    return None if value is None else str(value)


def family_is_live(session: Session, family_id: str) -> bool:
    """Neither the device session nor the grant behind a token has been revoked."""
    found = live_families.family_with_liveness(session, family_id)
    return found is not None and found[1]


def active_access_token(services: Services, session: Session, token: str) -> AccessClaims | None:
    """A valid, unexpired and unrevoked access token — what every platform API accepts."""
    claims = decode_access_token(services, token, session)
    if claims is None or live_families.live_family(session, services, claims.family_id) is None:
        return None
    return claims
