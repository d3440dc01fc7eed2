"""``POST /oauth/token`` (RFC 6749 §3.2) run ahead of FastAPI's routing.

A refresh (RFC 6749 §6) is the busiest request app backends make, and a tenth of its CPU went
to FastAPI's routing, dependency solving and form reading around the route's two steps (the
limit with the client's record in one Redis call, then the grant in the thread pool). This
middleware reads the urlencoded form itself and calls the route's own function,
``token.token``, under the request slot its ``RequestSlot`` dependency would hold; Authlib does
the grant as on the route. An ``AppError`` (a 429 of the limit) becomes the problem+json of the
route's handler. Any other body (another content type, multipart, too large, unfinished) goes to
the route with the body replayed, before anything was counted. It sits inside the edge
middleware, so the request is logged and measured under the route's template.
"""

from __future__ import annotations

from fastapi.routing import APIRoute
from prometheus_client import Counter
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from chainless.oauth.endpoints import token as endpoints
from chainless.platform.core.ahead_of_routing import (
    answer_problem,
    find_route,
    is_form_post,
    read_form,
)
from chainless.platform.core.deps import request_slots
from chainless.platform.core.errors import AppError
from chainless.platform.core.services import Services

PATH = "/oauth/token"

ANSWERED = Counter(
    "chainless_oauth_token_ahead_of_routing_total",
    "POST /oauth/token answered ahead of the router, by status",
    ["status"],
)


class LeanToken:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._route: APIRoute | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not is_form_post(scope, PATH):
            await self.app(scope, receive, send)
            return
        self._route = scope["route"] = self._route or find_route(scope, PATH)
        replay = receive
        try:
            form, replay = await read_form(receive)
            response = None if form is None else await _token(Request(scope, replay), form)
        except AppError as error:  # as the route's exception handler answers it
            ANSWERED.labels(str(error.status)).inc()
            await answer_problem(error, scope, replay, send)
            return
        if response is None:
            await self.app(scope, replay, send)
            return
        ANSWERED.labels(str(response.status_code)).inc()
        await response(scope, replay, send)


async def _token(request: Request, form: FormData) -> Response:
    """The route's function under the route's request slot."""
    services: Services = request.app.state.services
    slots = request_slots(request.app, services)
    if slots is None:
        return await endpoints.token(request, form, services)
    async with slots:
        return await endpoints.token(request, form, services)
