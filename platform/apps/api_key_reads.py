"""``GET /api/v1/apps/{app_id}`` with a cached API key, answered ahead of FastAPI's routing.

App backends poll their app's detail with an API key; it is the platform's hottest read. When the
key's credential is in the process's cache, admitting it costs one Redis call and the detail is
usually cached too (``view_cache``), so what was left per request was FastAPI's routing and
dependency solving — more than half of the read's CPU (docs/BENCHMARKS.md). This middleware
answers such a request itself, with the same checks and the same answer as the route:

- anything it cannot admit from the cache alone goes to the route untouched, and nothing has
  been counted then (``apikeys.authentication.admit_cached``);
- once admitted it behaves as the route does: the limits are enforced (429 with their headers),
  the call is recorded for the key, a key of another app gets the route's 404, a key without
  ``app:read`` its 403, and a detail not cached is read the route's way.

It sits inside the edge middleware (request id, metrics, access log), so the request is counted
and logged under the route's template like any other. ``tests/platform/test_api_key_reads.py``
checks the two paths answer alike.
"""

from __future__ import annotations

from fastapi.routing import APIRoute
from prometheus_client import Counter
from starlette.types import ASGIApp, Receive, Scope, Send

from chainless.platform.apikeys.authentication import admit_cached
from chainless.platform.apikeys.service import record_api_key_use
from chainless.platform.apps import view_cache
from chainless.platform.apps.schemas import AppOut
from chainless.platform.auth.dependencies import api_key_limit, api_key_principal
from chainless.platform.auth.tokens import API_KEY_PREFIX
from chainless.platform.core.ahead_of_routing import answer_problem, find_route
from chainless.platform.core.context import add_response_headers
from chainless.platform.core.deps import enforce
from chainless.platform.core.epochs import remember_seen
from chainless.platform.core.errors import AppError
from chainless.platform.core.services import Services

PREFIX = "/api/v1/apps/"
TEMPLATE = PREFIX + "{app_id}"
_SERIALIZER = AppOut.__pydantic_serializer__

ANSWERED = Counter(
    "chainless_api_key_app_reads_total",
    "GET /api/v1/apps/{app_id} with an API key answered ahead of the router, by status",
    ["status"],
)


class ApiKeyAppReads:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._route: APIRoute | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        app_id = _app_id(scope)
        token = _api_key(scope) if app_id is not None else None
        if app_id is None or token is None:
            await self.app(scope, receive, send)
            return
        services: Services = scope["app"].state.services
        remember_seen({})
        admitted = await admit_cached(services, token, api_key_limit(services))
        if admitted is None:
            await self.app(scope, receive, send)
            return
        self._route = scope["route"] = self._route or find_route(scope, TEMPLATE, "GET")
        scope["path_params"] = {"app_id": app_id}
        identity, decisions = admitted
        try:
            add_response_headers(enforce(decisions, None).headers())
            record_api_key_use(services, identity.key_id)
            principal = api_key_principal(identity)
            body = _SERIALIZER.to_json(
                await view_cache.app_detail(services, principal, app_id), by_alias=True
            )
        except AppError as error:
            ANSWERED.labels(str(error.status)).inc()
            await answer_problem(error, scope, receive, send)
            return
        ANSWERED.labels("200").inc()
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


def _app_id(scope: Scope) -> str | None:
    if scope["type"] != "http" or scope["method"] != "GET":
        return None
    path: str = scope["path"]
    if not path.startswith(PREFIX) or scope.get("query_string"):
        return None
    app_id = path[len(PREFIX) :]
    return app_id if app_id and "/" not in app_id else None


def _api_key(scope: Scope) -> str | None:
    """The API key, as ``authenticate`` reads it: ``X-API-Key``, else a bearer API key."""
    api_key: str | None = None
    bearer: str | None = None
    for name, value in scope["headers"]:
        if name == b"x-api-key":
            api_key = value.decode("latin-1")
        elif name == b"authorization":
            scheme, _, rest = value.decode("latin-1").partition(" ")
            bearer = rest.strip() if scheme.lower() == "bearer" else None
    token = api_key or bearer
    return token if token is not None and token.startswith(API_KEY_PREFIX) else None
