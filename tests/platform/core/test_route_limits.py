"""Every public endpoint is rate limited: a guard over the assembled app, and the headers it shows.

A route counts as limited when its dependency tree holds a per-IP :class:`RateLimit`, a per-caller
:class:`CallerRateLimit`, or :func:`authenticate` (which limits every account and API key), or
its endpoint declares the limits it counts in its body (``limited_in_body``; the headers test
below shows those limits at work). The
operational probes are left out on purpose: the load balancer and Prometheus call them, and a
throttled probe would take a healthy replica out of service.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts

from chainless.chain.relay.auth import relay_app_key
from chainless.platform.auth.dependencies import CallerRateLimit, authenticate
from chainless.platform.core.deps import RateLimit

pytestmark = pytest.mark.portable

OPERATIONAL_PROBES = {"/healthz", "/readyz", "/metrics"}
# Dependencies that call ``authenticate`` themselves (to check their own headers first).
AUTHENTICATING = {authenticate, relay_app_key}


def _calls(dependant: Dependant) -> Iterator[Callable[..., Any] | None]:
    yield dependant.call
    for child in dependant.dependencies:
        yield from _calls(child)


def _is_limited(route: APIRoute) -> bool:
    if getattr(route.endpoint, "rate_limits_in_body", ()):  # ``core.deps.limited_in_body``
        return True
    return any(
        isinstance(call, RateLimit | CallerRateLimit) or call in AUTHENTICATING
        for call in _calls(route.dependant)
    )


def test_every_endpoint_but_the_probes_is_rate_limited(app: Any) -> None:
    routes = [
        context.original_route
        for context in iter_route_contexts(app.routes)
        if isinstance(context.original_route, APIRoute)
    ]
    assert len(routes) > 50  # the walk reached the included routers
    unlimited = sorted(
        f"{sorted(route.methods)} {route.path}"
        for route in routes
        if route.path not in OPERATIONAL_PROBES and not _is_limited(route)
    )
    assert unlimited == []


@pytest.mark.parametrize(
    "path", ["/.well-known/oauth-authorization-server", "/oauth/jwks", "/console"]
)
def test_public_documents_show_their_limit(client: Any, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 200
    assert int(response.headers["RateLimit-Limit"]) > 0
    assert "RateLimit-Remaining" in response.headers


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/oauth/token"),
        ("POST", "/oauth/introspect"),
        ("POST", "/oauth/revoke"),
        ("GET", "/oauth/userinfo"),
        ("GET", "/oauth/authorize"),
    ],
)
def test_endpoints_answering_with_their_own_response_show_their_limit(
    client: Any, method: str, path: str
) -> None:
    """These build their own Response (OAuth wire formats); the limit's headers still reach it."""
    response = client.request(method, path, data={} if method == "POST" else None)
    assert response.status_code < 500, response.text
    assert int(response.headers["RateLimit-Limit"]) > 0
    assert "RateLimit-Remaining" in response.headers
    assert len(response.headers.get_list("RateLimit-Limit")) == 1
