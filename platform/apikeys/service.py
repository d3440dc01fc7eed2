"""API key use cases (spec, developer management 1.3): scoped keys with their own rate limit,
a 90-day life, rotation with an overlap, immediate revocation, and authentication of every
API-key request.

Keys are stored as a keyed hash of the whole key (``SecretHasher``): the secret is shown once, at
creation or rotation, and can never be shown again.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from redis.exceptions import RedisError
from sqlalchemy.orm import Session

from chainless.platform.apikeys import repository
from chainless.platform.apikeys.keyformat import new_key, prefix_of
from chainless.platform.apikeys.schemas import (
    PERIOD_SECONDS,
    ApiKeyCreate,
    ApiKeyCreated,
    ApiKeyOut,
    CallingKeyOut,
    KeyStatus,
    RateLimitOut,
    RateLimitStatus,
)
from chainless.platform.apikeys.usage import Usage, record_use, usage_counter
from chainless.platform.audit import service as audit
from chainless.platform.auth.principal import Principal
from chainless.platform.core.clock import as_utc, utcnow
from chainless.platform.core.errors import Conflict, NotFound, Unauthenticated, Unprocessable
from chainless.platform.core.permissions import ApiKeyScope
from chainless.platform.core.ratelimit import Limit
from chainless.platform.core.security import new_hex_id
from chainless.platform.core.services import Services
from chainless.platform.core.settings import ChainEnvironment
from chainless.platform.models import ApiKey, MiniProgram

EXPIRY_WARNING = timedelta(days=14)  # "expiring" status, and when the reminder email goes out
RATE_LIMIT_NAME = "api_key"
_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="chainless"'}


@dataclass(frozen=True)
class ApiKeyIdentity:
    key_id: str
    app_id: str
    scopes: frozenset[str]
    owner_account_id: str
    environment: str
    rate_limit: Limit


def authenticate_api_key(session: Session, services: Services, token: str) -> ApiKeyIdentity:
    """Who is calling, read from the database: one indexed query and one HMAC.

    The hot path is ``apikeys.authentication.admit``, which serves this from a per-process cache.
    """
    prefix = prefix_of(token)
    if prefix is None:
        raise malformed_key()
    found = repository.credential_by_prefix(session, prefix)
    return check_credential(services, token, found)


def malformed_key() -> Unauthenticated:
    return Unauthenticated(
        "this is not a well-formed API key", code="api_key_invalid", headers=_CHALLENGE
    )


def check_credential(
    services: Services, token: str, found: repository.Credential | None
) -> ApiKeyIdentity:
    """The identity behind ``token`` if ``found`` is its live credential; else 401.

    The hash is compared (in constant time) before revocation or expiry is revealed, so a caller
    who only knows a prefix learns nothing about that key.
    """
    if not services.hasher.matches(token, found.secret_hash if found else None) or found is None:
        raise Unauthenticated("unknown API key", code="api_key_invalid", headers=_CHALLENGE)
    now = utcnow()
    if found.revoked_at is not None:
        raise Unauthenticated(
            "this API key was revoked", code="api_key_revoked", headers=_CHALLENGE
        )
    if as_utc(found.expires_at) <= now:
        raise Unauthenticated(
            "this API key has expired; rotate or create a new one",
            code="api_key_expired",
            headers=_CHALLENGE,
        )
    return ApiKeyIdentity(
        key_id=found.id,
        app_id=found.app_id,
        scopes=frozenset(found.scopes),
        owner_account_id=found.developer_id,
        environment=found.environment,
        rate_limit=Limit(RATE_LIMIT_NAME, found.rate_limit_count, found.rate_limit_period),
    )


def record_api_key_use(services: Services, key_id: str) -> None:
    """Count a call that authentication and the rate limits let through."""
    record_use(services, key_id, int(utcnow().timestamp() * 1000))


@dataclass(frozen=True)
class IssuedKey:
    key: ApiKey
    token: str  # the full key: returned once, never stored


def create_key(
    session: Session, services: Services, principal: Principal, app: MiniProgram, body: ApiKeyCreate
) -> IssuedKey:
    scopes = _checked_scopes(body.scopes)
    if body.rate_limit is None:
        count, period = services.settings.api_key_default_rate_limit_per_hour, 3600
    else:
        count, period = body.rate_limit.calls, PERIOD_SECONDS[body.rate_limit.per]
    issued = _issue(
        session,
        services,
        principal,
        app,
        name=body.name,
        environment=body.environment,
        scopes=scopes,
        count=count,
        period=period,
    )
    _audit_created(session, principal, issued.key)
    return issued


def rotate_key(
    session: Session, services: Services, principal: Principal, app: MiniProgram, key_id: str
) -> IssuedKey:
    """A new key with the same settings; the old one keeps working for the overlap only."""
    old = _key_or_404(session, app, key_id, for_update=True)
    if old.revoked_at is not None:
        raise Conflict("a revoked key cannot be rotated; create a new one", code="api_key_revoked")
    if old.replaced_by_id is not None:
        raise Conflict(
            "this key was already rotated",
            code="api_key_already_rotated",
            replaced_by_id=old.replaced_by_id,
        )
    issued = _issue(
        session,
        services,
        principal,
        app,
        name=old.name,
        environment=ChainEnvironment(old.environment),
        scopes=list(old.scopes),
        count=old.rate_limit_count,
        period=old.rate_limit_period,
        rotated_from=old,
    )
    overlap = timedelta(hours=services.settings.api_key_rotation_overlap_hours)
    before = as_utc(old.expires_at)
    old.expires_at = min(before, utcnow() + overlap)
    old.replaced_by_id = issued.key.id
    audit.record(
        session,
        principal,
        "api_key.rotated",
        target_type="api_key",
        target_id=old.id,
        app_id=app.app_id,
        summary=f"rotated API key {old.prefix}; replaced by {issued.key.prefix}",
        changes={
            "expires_at": [before.isoformat(), old.expires_at.isoformat()],
            "replaced_by_id": [None, issued.key.id],
        },
    )
    _audit_created(session, principal, issued.key)
    return issued


def revoke_key(
    session: Session, principal: Principal, app: MiniProgram, key_id: str, reason: str
) -> ApiKey:
    """Effective at once: authentication reads ``revoked_at`` on every request."""
    key = _key_or_404(session, app, key_id, for_update=True)
    if key.revoked_at is not None:
        raise Conflict("this key is already revoked", code="api_key_already_revoked")
    key.revoked_at = utcnow()
    key.revoked_by = principal.id
    key.revoke_reason = reason
    audit.record(
        session,
        principal,
        "api_key.revoked",
        target_type="api_key",
        target_id=key.id,
        app_id=app.app_id,
        summary=f"revoked API key {key.prefix}: {reason}",
        changes={"revoked_at": [None, key.revoked_at.isoformat()], "revoke_reason": [None, reason]},
    )
    return key


def get_key(session: Session, app: MiniProgram, key_id: str) -> ApiKey:
    return _key_or_404(session, app, key_id)


def describe(services: Services, keys: list[ApiKey]) -> list[ApiKeyOut]:
    """The keys as shown to their developer: stored usage plus what was not flushed yet."""
    try:
        pending = usage_counter(services).pending([k.id for k in keys])
    except RedisError:
        pending = {}
    now = utcnow()
    return [_view(key, pending.get(key.id), now) for key in keys]


def created_view(services: Services, issued: IssuedKey) -> ApiKeyCreated:
    view = describe(services, [issued.key])[0]
    return ApiKeyCreated(**view.model_dump(), key=issued.token)


def calling_key(session: Session, services: Services, principal: Principal) -> CallingKeyOut:
    key = repository.key_by_id(session, principal.id)
    if key is None:  # deleted between authentication and here
        raise NotFound("this API key no longer exists", code="api_key_not_found")
    limit = Limit(RATE_LIMIT_NAME, key.rate_limit_count, key.rate_limit_period)
    # the bucket name ``apply_limit`` counts this key's requests in
    decision = services.rate_limiter.peek(f"{limit.name}:{key.id}", limit)
    return CallingKeyOut(
        id=key.id,
        app_id=key.app_id,
        name=key.name,
        prefix=key.prefix,
        environment=key.environment,
        scopes=list(key.scopes),
        expires_at=key.expires_at,
        rate_limit=RateLimitStatus(
            **_rate_limit(key).model_dump(),
            remaining=decision.remaining,
            reset_seconds=math.ceil(round(decision.reset_after, 3)),
        ),
    )


def status_of(key: ApiKey, now: datetime) -> KeyStatus:
    if key.revoked_at is not None:
        return "revoked"
    expires_at = as_utc(key.expires_at)
    if expires_at <= now:
        return "expired"
    return "expiring" if expires_at - now <= EXPIRY_WARNING else "active"


def _issue(
    session: Session,
    services: Services,
    principal: Principal,
    app: MiniProgram,
    *,
    name: str,
    environment: ChainEnvironment,
    scopes: list[str],
    count: int,
    period: int,
    rotated_from: ApiKey | None = None,
) -> IssuedKey:
    fresh = new_key(environment)
    now = utcnow()
    key = ApiKey(
        id=new_hex_id(),
        app_id=app.app_id,
        name=name,
        environment=environment.value,
        prefix=fresh.prefix,
        secret_hash=services.hasher.hash(fresh.token),
        scopes=scopes,
        rate_limit_count=count,
        rate_limit_period=period,
        created_by=principal.id,
        created_at=now,
        expires_at=now + timedelta(days=services.settings.api_key_ttl_days),
        rotated_from_id=rotated_from.id if rotated_from else None,
        usage_count=0,
    )
    session.add(key)
    session.flush()
    return IssuedKey(key, fresh.token)


def _audit_created(session: Session, principal: Principal, key: ApiKey) -> None:
    audit.record(
        session,
        principal,
        "api_key.created",
        target_type="api_key",
        target_id=key.id,
        app_id=key.app_id,
        summary=f"created API key {key.prefix} ({key.name})",
        changes={
            "name": [None, key.name],
            "environment": [None, key.environment],
            "scopes": [None, key.scopes],
            "prefix": [None, key.prefix],
            "rate_limit": [None, f"{key.rate_limit_count}/{key.rate_limit_period}s"],
            "expires_at": [None, key.expires_at.isoformat()],
            "rotated_from_id": [None, key.rotated_from_id],
        },
    )


def _checked_scopes(scopes: list[str]) -> list[str]:
    known = {s.value for s in ApiKeyScope}
    unknown = sorted(set(scopes) - known)
    if unknown:
        raise Unprocessable(
            f"unknown API key scope(s): {', '.join(unknown)}",
            code="unknown_scope",
            unknown=unknown,
            allowed=sorted(known),
        )
    return sorted(set(scopes))


def _key_or_404(
    session: Session, app: MiniProgram, key_id: str, *, for_update: bool = False
) -> ApiKey:
    key = repository.key_of(session, app, key_id, for_update=for_update)
    if key is None:
        raise NotFound(f"no API key {key_id!r} on this app", code="api_key_not_found")
    return key


def _rate_limit(key: ApiKey) -> RateLimitOut:
    per = next((p for p, s in PERIOD_SECONDS.items() if s == key.rate_limit_period), "")
    return RateLimitOut(
        calls=key.rate_limit_count,
        per=per or f"{key.rate_limit_period}s",
        period_seconds=key.rate_limit_period,
    )


def _view(key: ApiKey, pending: Usage | None, now: datetime) -> ApiKeyOut:
    last_used = key.last_used_at
    if pending is not None and pending.last_used_ms:
        recent = datetime.fromtimestamp(pending.last_used_ms / 1000, now.tzinfo)
        last_used = max(as_utc(last_used), recent) if last_used else recent
    return ApiKeyOut(
        id=key.id,
        app_id=key.app_id,
        name=key.name,
        prefix=key.prefix,
        environment=key.environment,
        scopes=list(key.scopes),
        rate_limit=_rate_limit(key),
        status=status_of(key, now),
        created_at=key.created_at,
        created_by=key.created_by,
        expires_at=key.expires_at,
        revoked_at=key.revoked_at,
        revoke_reason=key.revoke_reason,
        rotated_from_id=key.rotated_from_id,
        replaced_by_id=key.replaced_by_id,
        last_used_at=last_used,
        usage_count=key.usage_count + (pending.calls if pending else 0),
    )
