"""Introspection (RFC 7662) of an access token answered from the process's caches alone.

App backends introspect on every call they serve, so it is the server's hottest endpoint. For
the common case — a confidential client with ``client_secret_basic`` introspecting one of its own
live access tokens — everything the answer needs is held by the process:

- the client record (``apps.oauth_view``, behind the epoch ``oauth.clients``); the secret is
  compared against it in constant time (HMAC, every hash compared) on every request;
- the token's signature, issuer and expiry, checked with the signing keys the process holds;
- whether the token's family and grant are live (``live_families``, behind ``oauth.families``).

One Redis script then counts the route's per-IP limit, but only while ``oauth.clients`` still
has the value the client record was read under, and reads ``oauth.families`` and the client's
failed-authentication counter along with it. The request is answered on the event loop: no
database, no thread-pool hop. Anything else — nothing cached, a wrong secret (counted by the long
way), a locked client, a moved epoch, an invalid or foreign token, a refresh token — goes the
long way (Authlib's endpoint on the database), told whether the limit was already counted.
A revocation bumps ``oauth.families`` after its commit, so no process answers ``active`` from a
copy read before it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from authlib.consts import default_json_headers  # type: ignore[import-untyped, unused-ignore]
from starlette.datastructures import FormData, Headers
from starlette.responses import JSONResponse, Response

from chainless.oauth import live_families, tokens
from chainless.oauth.basic_auth import readable_basic_credentials
from chainless.oauth.clients import OAuthClient
from chainless.oauth.server import client_failure_key
from chainless.platform.apps.oauth_view import CLIENT_EPOCH, client_cache
from chainless.platform.core.context import current_request
from chainless.platform.core.counters import RedisCounters
from chainless.platform.core.deps import enforce
from chainless.platform.core.ratelimit import Limit, RedisRateLimiter
from chainless.platform.core.services import Services

_PLAIN_FORM = frozenset({"token", "token_type_hint"})


def access_token_payload(claims: tokens.AccessClaims, issuer: str) -> dict[str, Any]:
    """RFC 7662 §2.2: what an app learns of one of its active access tokens."""
    return {
        "active": True,
        "token_type": "Bearer",
        "scope": " ".join(claims.scope),
        "client_id": claims.client_id,
        "sub": claims.subject,
        "aud": claims.client_id,
        "iss": issuer,
        "exp": claims.expires_at,
        "iat": claims.issued_at,
        "jti": claims.jti,
        "sid": claims.family_id,
    } | ({"wallet_address": claims.wallet_address} if claims.wallet_address else {})


@dataclass(frozen=True, slots=True)
class Outcome:
    """The answer, or ``None`` for the long way; ``counted`` when the route's limit was."""

    response: Response | None
    counted: bool


_LONG_WAY = Outcome(None, counted=False)


async def answer_from_caches(
    services: Services, headers: Headers, form: FormData, limit: Limit
) -> Outcome:
    """Answer an introspection from the caches, or say it must take the long way."""
    limiter, counters, epochs = services.rate_limiter, services.counters, services.epochs
    clients, families = client_cache(services), live_families.family_cache(services)
    if (
        clients is None
        or families is None
        or epochs is None
        or not isinstance(limiter, RedisRateLimiter)
        or not isinstance(counters, RedisCounters)
        or not set(form.keys()) <= _PLAIN_FORM
    ):
        return _LONG_WAY
    basic = readable_basic_credentials(headers)  # a malformed header is refused the long way
    token = form.get("token")
    if basic is None or not isinstance(token, str):
        return _LONG_WAY
    client_id, secret = basic.client_id, basic.secret
    cached_client = clients.entry(client_id)
    if cached_client is None or not cached_client.value.online:
        return _LONG_WAY
    client = OAuthClient(cached_client.value, services.hasher)
    if not client.check_endpoint_auth_method("client_secret_basic", "introspection"):
        return _LONG_WAY  # a public client: refused the long way
    if not client.check_client_secret(secret):
        return _LONG_WAY  # a wrong secret is counted towards the lockout the long way
    claims = tokens.decode_with_held_keys(services, token)
    family = families.entry(claims.family_id) if claims is not None else None
    if claims is None or family is None:
        return _LONG_WAY
    ip = current_request().ip or "unknown"
    guarded = await limiter.hit_many_guarded_async(
        [(f"{limit.name}:{ip}", limit)],
        epoch_key=epochs.key(CLIENT_EPOCH),
        expected=cached_client.epoch,
        also_read=[
            epochs.key(live_families.EPOCH),
            counters.key(client_failure_key(client_id, ip)),
        ],
    )
    if guarded.decisions is None:  # the client changed somewhere: nothing was counted
        clients.forget_older_than(guarded.epoch)
        return _LONG_WAY
    enforce(guarded.decisions, None)  # 429 as the route's limit answers it
    family_epoch, failures = guarded.read
    locked = int(failures) >= services.settings.oauth.client_secret_max_failures
    if locked or family.epoch != family_epoch or family.value.app_id != client_id:
        return Outcome(None, counted=True)
    payload = access_token_payload(claims, services.settings.public_url)
    return Outcome(JSONResponse(payload, headers=dict(default_json_headers)), counted=True)
