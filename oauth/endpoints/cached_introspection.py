"""``POST /oauth/introspect`` answered ahead of FastAPI's routing when the caches allow.

The cached answer (``oauth.introspection``) costs one Redis call; what was left per request was
FastAPI's routing, dependency solving and form parsing. This middleware reads the form itself
and answers from the caches, with the same answer, headers and limits as the route. Anything it
cannot answer goes to the route with the body replayed, and with whether the route's limit was
already counted (so a request is never counted twice). It sits inside the edge middleware, so the
request is counted and logged under the route's template like any other.
"""

from __future__ import annotations

from fastapi.routing import APIRoute
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from chainless.oauth.introspection import answer_from_caches
from chainless.platform.core.ahead_of_routing import (
    answer_problem,
    find_route,
    is_form_post,
    read_form,
)
from chainless.platform.core.deps import RateLimit
from chainless.platform.core.errors import AppError
from chainless.platform.core.services import Services

PATH = "/oauth/introspect"
COUNTED = "oauth.introspection_counted"  # scope["state"]: the route's limit was counted
LIMIT = RateLimit("oauth.backend", "oauth_backend_per_ip_per_minute")


class CachedIntrospection:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._route: APIRoute | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not is_form_post(scope, PATH):
            await self.app(scope, receive, send)
            return
        form, replay = await read_form(receive)
        if form is None:
            await self.app(scope, replay, send)
            return
        services: Services = scope["app"].state.services
        try:
            outcome = await answer_from_caches(
                services, Headers(scope=scope), form, LIMIT.limit(services)
            )
        except AppError as error:  # the route's limit refused, as its dependency would
            self._route = scope["route"] = self._route or find_route(scope, PATH)
            await answer_problem(error, scope, replay, send)
            return
        if outcome.response is None:
            scope.setdefault("state", {})[COUNTED] = outcome.counted
            await self.app(scope, replay, send)
            return
        self._route = scope["route"] = self._route or find_route(scope, PATH)
        await outcome.response(scope, replay, send)
