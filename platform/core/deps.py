"""FastAPI dependencies every feature uses: the services, the request's session, rate limits."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Annotated, Any, TypeVar

import anyio
from fastapi import Depends, Request, Response
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from chainless.platform.core import jobs
from chainless.platform.core.context import add_response_headers, current_request
from chainless.platform.core.errors import AppError, TooManyRequests
from chainless.platform.core.ratelimit import Decision, Limit
from chainless.platform.core.services import Services

Endpoint = TypeVar("Endpoint", bound=Callable[..., Any])


async def get_services(request: Request) -> Services:  # async: no thread hop for an attribute
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]


async def request_slot(request: Request, services: ServicesDep) -> AsyncIterator[None]:
    """Admit a request that will use the database only while a connection is sure to be free.

    Without this, a burst of requests can fill the thread pool with endpoint code waiting for a
    pooled connection, while the requests that hold the connections wait for a thread to run
    their next step or their commit: nothing moves until the pool's timeout. The wait here is on
    the event loop, holding neither a thread nor a connection; FastAPI runs it once per request
    however many sessions the request opens, and releases it after they are finished.
    """
    limiter = request_slots(request.app, services)
    if limiter is None:
        yield
        return
    async with limiter:
        yield


def request_slots(app: Any, services: Services) -> anyio.CapacityLimiter | None:
    """The app's limiter of requests that use the database (``request_slot``); ``None`` when
    the database sets no bound."""
    total = services.database.request_slots
    if total is None:
        return None
    limiter: anyio.CapacityLimiter | None = getattr(app.state, "request_slots", None)
    if limiter is None or limiter.total_tokens != total:
        limiter = anyio.CapacityLimiter(total)  # on the running loop; one per app
        app.state.request_slots = limiter
    return limiter


RequestSlot = Depends(request_slot, scope="function")


async def get_session(
    services: ServicesDep, _slot: Annotated[None, RequestSlot]
) -> AsyncIterator[Session]:
    """The request's one transaction: committed when the endpoint returns, before the response.

    Opening a session does no I/O, so it happens on the event loop; only the commit (or rollback)
    goes to the thread pool — one hop instead of two for every request that touches the database.
    """
    session = services.database.session()
    try:
        yield session
    except AppError as error:
        await _finish(services, session, commit=error.keep_changes)
        raise
    except BaseException:
        await _finish(services, session, commit=False)
        raise
    await _finish(services, session, commit=True)


async def _finish(services: Services, session: Session, *, commit: bool) -> None:
    if not session.in_transaction() and not session.info.get(jobs.BUFFER_KEY):
        session.close()  # never used (an API key served from the cache): no I/O, no hop
        return
    await run_in_threadpool(services.database.finish, session, commit=commit)


DbSession = Annotated[Session, Depends(get_session, scope="function")]


async def get_read_session(
    services: ServicesDep, _slot: Annotated[None, RequestSlot]
) -> AsyncIterator[Session]:
    """The session of an endpoint that only reads (a flush with changes raises).

    On PostgreSQL its statements run in autocommit: no BEGIN and no COMMIT round trip, and the
    end of the request costs no thread-pool hop, since giving the connection back does no I/O.
    Authentication keeps using the request's ``DbSession`` (a bearer token's use is written).
    """
    session, autocommit = services.database.read_session()
    try:
        yield session
    finally:
        if autocommit or not session.in_transaction():
            session.close()
        else:
            await run_in_threadpool(services.database.finish, session, commit=False)


ReadSession = Annotated[Session, Depends(get_read_session, scope="function")]


def apply_limit(services: Services, response: Response | None, key: str, limit: Limit) -> Decision:
    """Count one request against ``limit`` for ``key``; 429 with Retry-After when exhausted."""
    decision = services.rate_limiter.hit(f"{limit.name}:{key}", limit)
    if not decision.allowed:
        raise TooManyRequests(
            f"rate limit '{limit.name}' of {limit.count} requests per {limit.period}s exceeded; "
            f"retry after {max(1, round(decision.retry_after))}s",
            headers=decision.headers(),
            limit=limit.name,
        )
    _show(decision, response)
    return decision


def apply_limits(
    services: Services, response: Response | None, checks: list[tuple[str, Limit]]
) -> Decision:
    """Count one request against several limits in one round trip, all or nothing.

    The headers describe the first limit (the caller's own); a refusal names the limit that refused.
    """
    decisions = services.rate_limiter.hit_many(
        [(f"{limit.name}:{key}", limit) for key, limit in checks]
    )
    return enforce(decisions, response)


def enforce(decisions: list[Decision], response: Response | None) -> Decision:
    """429 when one of the decisions refused; else the caller's own (the first) in the headers."""
    refused = next((d for d in decisions if not d.allowed), None)
    if refused is not None:
        raise TooManyRequests(
            f"rate limit '{refused.limit.name}' of {refused.limit.count} requests per "
            f"{refused.limit.period}s exceeded; retry after {max(1, round(refused.retry_after))}s",
            headers=refused.headers(),
            limit=refused.limit.name,
        )
    _show(decisions[0], response)
    return decisions[0]


def _show(decision: Decision, response: Response | None) -> None:
    """The limit's headers on the response, also when the endpoint returns its own Response."""
    headers = decision.headers()
    if response is not None:
        response.headers.update(headers)
    add_response_headers(headers)


def limited_in_body(*limits: RateLimit) -> Callable[[Endpoint], Endpoint]:
    """Mark an endpoint that counts its own per-IP limits in its body (with its work, in one
    thread-pool hop) instead of in a route dependency, so the route guard
    (``tests/platform/core/test_route_limits.py``) sees them."""

    def mark(endpoint: Endpoint) -> Endpoint:
        endpoint.rate_limits_in_body = limits  # type: ignore[attr-defined]
        return endpoint

    return mark


class RateLimit:
    """A route's own limit, counted per client IP (for endpoints callers reach before signing in).

    ``count`` is a number, or the name of a field of ``settings.rate_limits`` so that operators can
    tune it. Limits per authenticated caller are ``auth.dependencies.CallerRateLimit``: they must
    run after authentication, which a route-level dependency here cannot guarantee.
    """

    def __init__(self, name: str, count: int | str, period: int = 60) -> None:
        self.name = name
        self.count = count
        self.period = period

    def limit(self, services: Services) -> Limit:
        count = self.count
        if isinstance(count, str):
            count = int(getattr(services.settings.rate_limits, count))
        return Limit(self.name, count, self.period)

    def __call__(self, response: Response, services: ServicesDep) -> None:
        apply_limit(services, response, current_request().ip or "unknown", self.limit(services))
