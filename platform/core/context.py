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
