"""``POST /oauth/introspect`` answered ahead of FastAPI's routing when the caches allow.

The cached answer (``oauth.introspection``) costs one Redis call; what was left per request was
FastAPI's routing, dependency solving and form parsing. This middleware reads the form itself
and answers from the caches, with the same answer, headers and limits as the route. Anything it
cannot answer goes to the route with the body replayed, and with whether the route's limit was
already counted (so a request is never counted twice). It sits inside the edge middleware, so the
request is counted and logged under the route's template like any other.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl

from fastapi.routing import APIRoute, iter_route_contexts
from starlette.datastructures import FormData, Headers, UploadFile
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from chainless.oauth.introspection import answer_from_caches
from chainless.platform.core.deps import RateLimit
from chainless.platform.core.errors import AppError
from chainless.platform.core.problem_handlers import problem_response
from chainless.platform.core.services import Services

PATH = "/oauth/introspect"
COUNTED = "oauth.introspection_counted"  # scope["state"]: the route's limit was counted
LIMIT = RateLimit("oauth.backend", "oauth_backend_per_ip_per_minute")
_FORM = "application/x-www-form-urlencoded"
_MAX_BODY = 8192


class CachedIntrospection:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._route: APIRoute | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST" or scope["path"] != PATH:
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        if headers.get("content-type", "").partition(";")[0].strip().lower() != _FORM:
            await self.app(scope, receive, send)
            return
        body, finished = await _read_body(receive)
        replay = _replaying(body, finished, receive)
        if not finished or len(body) > _MAX_BODY:
            await self.app(scope, replay, send)
            return
        services: Services = scope["app"].state.services
        fields: list[tuple[str, str | UploadFile]] = list(
            parse_qsl(body.decode("latin-1"), keep_blank_values=True)
        )
        form = FormData(fields)
        try:
            outcome = await answer_from_caches(services, headers, form, LIMIT.limit(services))
        except AppError as error:  # the route's limit refused, as its dependency would
            await _problem(error, scope, replay, send)
            return
        if outcome.response is None:
            scope.setdefault("state", {})[COUNTED] = outcome.counted
            await self.app(scope, replay, send)
            return
        scope["route"] = self._route or self._find_route(scope)
        await outcome.response(scope, replay, send)

    def _find_route(self, scope: Scope) -> APIRoute | None:
        """The route this answers for, so metrics and logs name the same template."""
        for context in iter_route_contexts(scope["app"].routes):
            route = context.original_route
            if isinstance(route, APIRoute) and route.path == PATH:
                self._route = route
                return route
        return None


async def _read_body(receive: Receive) -> tuple[bytes, bool]:
    """The body as far as read, and whether that is all of it: reading stops past the size
    answered here (the edge middleware caps bodies anyway)."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return b"".join(chunks), False
        chunk = message.get("body", b"")
        chunks.append(chunk)
        size += len(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks), True
        if size > _MAX_BODY:
            return b"".join(chunks), False


def _replaying(body: bytes, finished: bool, receive: Receive) -> Receive:
    """``receive`` that first hands on what was read here."""
    pending = True

    async def replay() -> Message:
        nonlocal pending
        if pending:
            pending = False
            return {"type": "http.request", "body": body, "more_body": not finished}
        return await receive()

    return replay


async def _problem(error: AppError, scope: Scope, receive: Receive, send: Send) -> None:
    response: Any = problem_response(
        Request(scope, receive),
        status=error.status,
        code=error.code,
        title=error.title,
        detail=error.detail,
        headers=error.headers,
        **error.extra,
    )
    await response(scope, receive, send)
