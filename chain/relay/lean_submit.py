"""``POST /api/v1/relay/transactions`` with a cached API key, run ahead of FastAPI's routing.

A submission's latency is the relay's promise to app backends (issue 4 (b): at most 5 ms over
``eth_sendRawTransaction``), and before this middleware 0.7 ms of it went to FastAPI's routing,
dependency solving and body reading before the route's first line. This middleware reads the
JSON body itself, validates it with the route's model, admits the API key from the process's
cache (``apikeys.authentication.admit_cached``, one Redis call) and calls the route's own work
(``endpoints.submit_admitted``): the same checks in the same order, the same answers.

Whatever it cannot take goes to the route untouched, the body replayed, before anything was
counted: another content type, a body larger than it reads or one the model refuses (the route
then answers 401 before 422, as its dependencies come first), a key not cached. Once admitted,
the limits are enforced (429 with their headers), the call is recorded for the key, an
``AppError`` becomes the problem+json of the route's handler and any other error the app's 500
problem (logged). It sits inside the edge middleware,
so the request is logged and measured under the route's template.
``tests/chain/relay/test_lean_submit.py`` checks that both paths answer alike.
"""

from __future__ import annotations

from fastapi.routing import APIRoute
from prometheus_client import Counter
from pydantic import ValidationError
from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from chainless.chain.relay import endpoints
from chainless.chain.relay.schemas import SubmitIn
from chainless.platform.apikeys.authentication import admit_cached
from chainless.platform.apikeys.service import record_api_key_use
from chainless.platform.auth.dependencies import api_key_limit, api_key_principal
from chainless.platform.auth.tokens import API_KEY_PREFIX
from chainless.platform.core.ahead_of_routing import (
    answer_problem,
    answer_unexpected,
    find_route,
    is_json_post,
    read_body,
)
from chainless.platform.core.context import add_response_headers
from chainless.platform.core.deps import enforce
from chainless.platform.core.epochs import remember_seen
from chainless.platform.core.errors import AppError
from chainless.platform.core.services import Services

PATH = "/api/v1/relay/transactions"
MAX_BODY = 64 * 1024  # a larger transaction (big calldata) goes the route's way

ANSWERED = Counter(
    "chainless_relay_submit_ahead_of_routing_total",
    "POST /api/v1/relay/transactions answered ahead of the router, by status",
    ["status"],
)


class LeanRelaySubmit:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._route: APIRoute | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        token = _api_key(scope) if is_json_post(scope, PATH) else None
        if token is None:
            await self.app(scope, receive, send)
            return
        body, replay = await read_body(receive, MAX_BODY)
        submitted = _submission(body)
        if submitted is None:
            await self.app(scope, replay, send)
            return
        services: Services = scope["app"].state.services
        remember_seen({})
        admitted = await admit_cached(services, token, api_key_limit(services))
        if admitted is None:
            await self.app(scope, replay, send)
            return
        self._route = scope["route"] = self._route or find_route(scope, PATH)
        identity, decisions = admitted
        request = Request(scope, replay)
        try:
            add_response_headers(enforce(decisions, None).headers())
            record_api_key_use(services, identity.key_id)
            key = api_key_principal(identity)
            response = await endpoints.submit_admitted(
                request, key, submitted.raw_transaction, services
            )
        except AppError as error:  # as the route's exception handler answers it
            ANSWERED.labels(str(error.status)).inc()
            await answer_problem(error, scope, replay, send)
            return
        except Exception as error:  # as the app's handler of unexpected errors answers it
            ANSWERED.labels("500").inc()
            await answer_unexpected(error, scope, replay, send)
            return
        ANSWERED.labels(str(response.status_code)).inc()
        await response(scope, replay, send)


def _submission(body: bytes | None) -> SubmitIn | None:
    if body is None:
        return None
    try:
        return SubmitIn.model_validate_json(body)
    except ValidationError:
        return None  # the route answers it, after its authentication


def _api_key(scope: Scope) -> str | None:
    """The app's API key from ``X-API-Key`` (the relay's ``Authorization`` is the user's)."""
    for name, value in scope["headers"]:
        if name == b"x-api-key":
            token = value.decode("latin-1")
            return token if token.startswith(API_KEY_PREFIX) else None
    return None
