"""The token endpoint's route limit, client record check and lockout counter in one Redis call.

Every ``POST /oauth/token`` counts its per-IP limit, needs its client's record (``apps.oauth_view``,
cached behind the epoch ``oauth.clients``) and the client's failed-authentication counter (the
lockout, ``server.authenticate_client``): three round trips, the last two from the thread. When
the process holds the presented client's record, one guarded script call on the event loop does
all three (as introspection does, ``oauth.introspection``): the limit is counted only while
``oauth.clients`` still has the value the record was read under, and the counter comes back with
it. The client's secret is still checked on every request (RFC 6749 §2.3.1), by Authlib, against
the record's hashes. Anything else (no Redis, no cached record, a moved epoch) counts the limit
the usual way in the thread.
"""

from __future__ import annotations

from dataclasses import dataclass

from starlette.datastructures import FormData, Headers

from chainless.oauth.basic_auth import presents_basic, readable_basic_credentials
from chainless.oauth.server import MAX_CLIENT_ID, client_failure_key
from chainless.platform.apps.oauth_view import CLIENT_EPOCH, ClientRecord, client_cache
from chainless.platform.core.context import current_request
from chainless.platform.core.counters import RedisCounters
from chainless.platform.core.deps import enforce
from chainless.platform.core.ratelimit import Limit, RedisRateLimiter
from chainless.platform.core.services import Services


@dataclass(frozen=True, slots=True)
class Counted:
    """The limit was counted, the client's record is current, and its lockout counter is read."""

    client_id: str
    record: ClientRecord
    failures: int


async def count_with_client(
    services: Services, headers: Headers, form: FormData, limit: Limit
) -> Counted | None:
    """Count the route's per-IP limit (429 when exhausted) with the client's record and lockout
    counter; ``None`` when nothing was counted, and the caller counts the usual way."""
    limiter, counters, epochs = services.rate_limiter, services.counters, services.epochs
    clients = client_cache(services)
    if (
        clients is None
        or epochs is None
        or not isinstance(limiter, RedisRateLimiter)
        or not isinstance(counters, RedisCounters)
    ):
        return None
    client_id = _presented_client_id(headers, form)
    cached = clients.entry(client_id) if client_id and len(client_id) <= MAX_CLIENT_ID else None
    if client_id is None or cached is None:
        return None
    ip = current_request().ip or "unknown"
    guarded = await limiter.hit_many_guarded_async(
        [(f"{limit.name}:{ip}", limit)],
        epoch_key=epochs.key(CLIENT_EPOCH),
        expected=cached.epoch,
        also_read=[counters.key(client_failure_key(client_id, ip))],
    )
    if guarded.decisions is None:  # the client changed somewhere: nothing was counted
        clients.forget_older_than(guarded.epoch)
        return None
    enforce(guarded.decisions, None)  # 429 as the route's limit answers it
    return Counted(client_id, cached.value, int(guarded.read[0]))


def _presented_client_id(headers: Headers, form: FormData) -> str | None:
    """The client as ``server.authenticate_client`` will take it: Basic, else the form's. A
    malformed Basic header names none: the endpoint refuses it (``basic_auth``)."""
    if presents_basic(headers):
        basic = readable_basic_credentials(headers)
        return basic.client_id if basic is not None else None
    form_id = form.get("client_id")
    return form_id if isinstance(form_id, str) and form_id else None
