"""Failed credentials counted per client address (issue 12, item 5).

A bad API key, bearer token or session cookie, or none at all, used to cost the platform a
database read and the caller nothing: 401 after 401, with no limit in sight. Each such answer now
spends one request of the client address's failure bucket (GCRA, ``core.ratelimit``), shows it
in ``RateLimit-*`` headers (draft-ietf-httpapi-ratelimit-headers-06, section 3) and, past the
limit, becomes 429 ``rate_limited`` with ``Retry-After`` (RFC 9110, section 10.2.3).

Only failures are counted, after the credential was found wanting: a request with a valid
credential is never refused by this limit and costs nothing more (no check ahead of it), so a
broken client behind a shared address does not take the working ones behind it down. The fast
paths ahead of the router (``apps.api_key_reads``, ``chain.relay.lean_submit``) answer only
credentials they could admit from the cache; every other request goes to the route, which counts
it here.
"""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool

from chainless.platform.core.context import current_request
from chainless.platform.core.errors import AppError, TooManyRequests, Unauthenticated
from chainless.platform.core.ratelimit import Limit
from chainless.platform.core.services import Services

LIMIT_NAME = "auth_failures"


def failure_limit(services: Services) -> Limit:
    return Limit(LIMIT_NAME, services.settings.rate_limits.auth_failures_per_ip_per_minute, 60)


def counted_failure(services: Services, error: Unauthenticated) -> AppError:
    """Count ``error`` against the client address: the 401 with the bucket's headers, or the
    429 that replaces it once the address has failed too often."""
    limit = failure_limit(services)
    address = current_request().ip or "unknown"
    decision = services.rate_limiter.hit(f"{LIMIT_NAME}:{address}", limit)
    if not decision.allowed:
        return TooManyRequests(
            f"too many failed authentications from this address ({limit.count} per "
            f"{limit.period}s); retry after {max(1, round(decision.retry_after))}s",
            headers=decision.headers(),
            limit=LIMIT_NAME,
        )
    error.headers = {**error.headers, **decision.headers()}
    return error


async def counted_failure_async(services: Services, error: Unauthenticated) -> AppError:
    """``counted_failure`` from the event loop: the limiter's Redis call blocks, so it runs in
    the thread pool (failures only; a success never comes here)."""
    return await run_in_threadpool(counted_failure, services, error)
