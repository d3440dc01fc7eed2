"""Per-request context (request id, client address, user agent) carried in contextvars.

Set by the HTTP middleware, read by the audit log and the JSON logger, so neither needs the
request object passed through every service call.
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class RequestContext:
    request_id: str | None = None
    ip: str | None = None
    user_agent: str | None = None


_EMPTY = RequestContext()
_current: ContextVar[RequestContext] = ContextVar("chainless_request", default=_EMPTY)


def current_request() -> RequestContext:
    return _current.get()


def bind_request(context: RequestContext) -> object:
    return _current.set(context)


def reset_request(token: object) -> None:
    _current.reset(token)  # type: ignore[arg-type]


_response_headers: ContextVar[dict[str, str] | None] = ContextVar(
    "chainless_response_headers", default=None
)


def collect_response_headers() -> tuple[dict[str, str], object]:
    """Start collecting headers for this request's response (the HTTP middleware does this)."""
    headers: dict[str, str] = {}
    return headers, _response_headers.set(headers)


def add_response_headers(headers: dict[str, str]) -> None:
    """Headers the response must carry whatever the endpoint returns (a rate limit's, say).

    Endpoints that build their own ``Response`` drop the headers set on FastAPI's injected one;
    these are added by the middleware unless the response already has them. The dict is shared,
    so a dependency running in the thread pool (in a copied context) adds to the same one.
    """
    collected = _response_headers.get()
    if collected is not None:
        collected.update(headers)


def reset_response_headers(token: object) -> None:
    _response_headers.reset(token)  # type: ignore[arg-type]
