"""Admitting an API-key request: who is calling, and whether its rate limits let it through.

With Redis, the credential comes from the process's cache (``apikeys.credentials``) and the rate
limits are counted by one script that first checks the cache's epoch: a request with a cached,
still valid credential costs that one Redis call and no database round trip, and runs on the
event loop without a thread-pool hop. The same call reads the epochs other caches asked for
(``core.epochs.observe``), so the endpoint can check its own cache at no further round trip.
When the epoch moved on (a key or an app changed anywhere), the script counts nothing, the
credential is read again and the request asks again. Any refusal (unknown, revoked, expired) is
decided on a fresh database read.

Without Redis (the embedded mode) every request reads the database, as ``authenticate_api_key``.
"""

from __future__ import annotations

from fastapi import Response
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from chainless.platform.apikeys import repository
from chainless.platform.apikeys.credentials import EPOCH, Cached, credential_cache
from chainless.platform.apikeys.keyformat import prefix_of
from chainless.platform.apikeys.service import (
    ApiKeyIdentity,
    authenticate_api_key,
    check_credential,
    malformed_key,
)
from chainless.platform.core.deps import apply_limits, enforce
from chainless.platform.core.epochs import observed, remember_seen
from chainless.platform.core.errors import Unauthenticated
from chainless.platform.core.ratelimit import Decision, Limit, RedisRateLimiter
from chainless.platform.core.services import Services

_RELOADS = 3  # reads under a moving epoch before counting without the guard


async def admit(
    session: Session, services: Services, response: Response, token: str, app_limit: Limit
) -> tuple[ApiKeyIdentity, Decision]:
    """The caller's identity and its own rate-limit decision (already in ``response``'s headers);
    401 for a credential that is not live, 429 when a limit refuses."""
    remember_seen({})
    admitted = await admit_cached(services, token, app_limit)
    if admitted is not None:
        identity, decisions = admitted
        return identity, enforce(decisions, response)
    cache = credential_cache(services)
    limiter = services.rate_limiter
    if cache is None or services.epochs is None or not isinstance(limiter, RedisRateLimiter):
        identity = await run_in_threadpool(authenticate_api_key, session, services, token)
        return identity, apply_limits(services, response, _checks(identity, app_limit))
    prefix = prefix_of(token)
    if prefix is None:
        raise malformed_key()
    epochs = services.epochs
    epoch_key = epochs.key(EPOCH)
    names = observed()
    also_read = [epochs.key(name) for name in names]
    epoch = epochs.current(EPOCH)  # read before the database, see core.epochs
    for _ in range(_RELOADS):
        found = await run_in_threadpool(repository.credential_by_prefix, session, prefix)
        identity = check_credential(services, token, found)
        assert found is not None
        cache.put(prefix, found, epoch)
        guarded = await limiter.hit_many_guarded_async(
            _buckets(identity, app_limit),
            epoch_key=epoch_key,
            expected=epoch,
            also_read=also_read,
        )
        if guarded.decisions is not None:
            remember_seen(dict(zip(names, guarded.read, strict=True)))
            return identity, enforce(guarded.decisions, response)
        epoch = guarded.epoch
        cache.forget_older_than(epoch)
    # keys keep changing right now: count without the guard, on the credential just read
    return identity, apply_limits(services, response, _checks(identity, app_limit))


async def admit_cached(
    services: Services, token: str, app_limit: Limit
) -> tuple[ApiKeyIdentity, list[Decision]] | None:
    """Admit from the process's cache alone: one Redis call, no database, no thread.

    ``None`` when that is not possible — no Redis, a credential not cached or not usable as
    cached, or an epoch that moved since it was cached — and then nothing was counted: the caller
    goes the long way. Otherwise the limits' decisions, not yet enforced, and the epochs read
    (``core.epochs.seen``).
    """
    cache = credential_cache(services)
    limiter = services.rate_limiter
    epochs = services.epochs
    if cache is None or epochs is None or not isinstance(limiter, RedisRateLimiter):
        return None
    prefix = prefix_of(token)
    cached = cache.entry(prefix) if prefix is not None else None
    usable = _usable(services, token, cached)
    if cached is None or usable is None:
        return None
    names = observed()
    guarded = await limiter.hit_many_guarded_async(
        _buckets(usable, app_limit),
        epoch_key=epochs.key(EPOCH),
        expected=cached.epoch,
        also_read=[epochs.key(name) for name in names],
    )
    if guarded.decisions is None:
        cache.forget_older_than(guarded.epoch)
        return None
    remember_seen(dict(zip(names, guarded.read, strict=True)))
    return usable, guarded.decisions


def _usable(services: Services, token: str, cached: Cached | None) -> ApiKeyIdentity | None:
    if cached is None:
        return None
    try:
        return check_credential(services, token, cached.value)
    except Unauthenticated:
        return None  # decided on a fresh read, never on the cached copy


def _checks(identity: ApiKeyIdentity, app_limit: Limit) -> list[tuple[str, Limit]]:
    """The key's own limit first (its headers go out), then its app's."""
    return [(identity.key_id, identity.rate_limit), (identity.app_id, app_limit)]


def _buckets(identity: ApiKeyIdentity, app_limit: Limit) -> list[tuple[str, Limit]]:
    """The same checks under the bucket names ``core.deps.apply_limits`` gives them."""
    return [(f"{limit.name}:{key}", limit) for key, limit in _checks(identity, app_limit)]
