"""``POST /oauth/token`` answered ahead of FastAPI's routing (``oauth/endpoints/lean_token.py``).

A urlencoded request runs the route's own code without routing and dependency solving; it must
answer exactly as the route does, count the per-IP limit once, and be logged and measured under
the route's template. ``routed`` sends a request the route's way for comparison; the
``chainless_oauth_token_ahead_of_routing_total`` counter tells which way a request went.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from itertools import pairwise
from typing import Any

import anyio
import httpx
import pytest
from prometheus_client import REGISTRY
from sqlalchemy import func, select

from chainless.oauth.endpoints.lean_token import LeanToken
from chainless.platform.core.db import Database
from chainless.platform.core.deps import request_slots
from chainless.platform.core.services import Services
from chainless.platform.core.settings import Settings
from chainless.platform.models import AuditEvent
from tests.factories import Factory, OnlineApp, online_app
from tests.oauth.basic_headers import assert_invalid_client, malformed_headers
from tests.oauth.wallet import TestWallet, exchange, get_code, pkce_pair, refresh, tokens_for

pytestmark = pytest.mark.portable

Routed = Callable[[], AbstractContextManager[None]]
_ANSWERED = "chainless_oauth_token_ahead_of_routing_total"
_SAME_HEADERS = ("content-type", "cache-control", "pragma", "www-authenticate", "retry-after")


def _lean() -> float:
    """Requests answered ahead of routing so far, whatever their status."""
    return sum(
        sample.value
        for metric in REGISTRY.collect()
        if metric.name == _ANSWERED.removesuffix("_total")
        for sample in metric.samples
        if sample.name == _ANSWERED
    )


def _measured(status: int) -> float:
    labels = {"method": "POST", "route": "/oauth/token", "status": str(status)}
    value = REGISTRY.get_sample_value("chainless_http_request_duration_seconds_count", labels)
    return value or 0.0


@pytest.fixture
def routed(monkeypatch: pytest.MonkeyPatch) -> Routed:
    """Within it, token requests take the route (the middleware passes them on)."""

    async def through(self: LeanToken, scope: Any, receive: Any, send: Any) -> None:
        await self.app(scope, receive, send)

    @contextmanager
    def route_only() -> Iterator[None]:
        with monkeypatch.context() as patched:
            patched.setattr(LeanToken, "__call__", through)
            yield

    return route_only


def _assert_alike(lean: Any, route: Any) -> None:
    assert lean.status_code == route.status_code, (lean.text, route.text)
    for name in _SAME_HEADERS:
        assert lean.headers.get(name) == route.headers.get(name), name
    assert ("ratelimit-policy" in lean.headers) == ("ratelimit-policy" in route.headers)


def _keys_alike(lean: Any, route: Any) -> None:
    """Token answers: the same fields, and the same values but for the tokens themselves."""
    lean_body, route_body = lean.json(), route.json()
    assert lean_body.keys() == route_body.keys()
    for key in ("token_type", "scope", "expires_in"):
        assert lean_body.get(key) == route_body.get(key), key


def test_a_refresh_answers_as_the_route_does(
    client: Any, mini: OnlineApp, wallet: TestWallet, routed: Routed
) -> None:
    first, second = tokens_for(client, mini, wallet), tokens_for(client, mini, wallet)
    with routed():
        before = _lean()
        route = refresh(client, mini, first["refresh_token"])
        assert _lean() == before
    lean = refresh(client, mini, second["refresh_token"])
    assert _lean() == before + 1
    assert route.status_code == 200, route.text
    _assert_alike(lean, route)
    _keys_alike(lean, route)
    assert lean.headers["cache-control"] == "no-store"
    assert lean.headers["pragma"] == "no-cache"
    assert lean.headers["RateLimit-Policy"]
    assert refresh(client, mini, lean.json()["refresh_token"]).status_code == 200


def test_a_code_exchange_answers_as_the_route_does(
    client: Any, mini: OnlineApp, wallet: TestWallet, routed: Routed
) -> None:
    answers = []
    for take_route in (True, False):
        verifier, challenge = pkce_pair()
        code = get_code(client, wallet, mini, challenge)
        if take_route:
            with routed():
                answers.append(exchange(client, mini, code, verifier))
        else:
            answers.append(exchange(client, mini, code, verifier))
    route, lean = answers
    assert route.status_code == 200, route.text
    _assert_alike(lean, route)
    _keys_alike(lean, route)
    assert "refresh_token" in lean.json()


def test_a_wrong_secret_is_the_routes_401(
    client: Any, mini: OnlineApp, wallet: TestWallet, routed: Routed
) -> None:
    token = tokens_for(client, mini, wallet)["refresh_token"]
    form = {"grant_type": "refresh_token", "refresh_token": token}
    with routed():
        route = client.post("/oauth/token", data=form, auth=(mini.app_id, "wrong"))
    lean = client.post("/oauth/token", data=form, auth=(mini.app_id, "wrong"))
    assert route.status_code == 401
    _assert_alike(lean, route)
    assert lean.json() == route.json()
    assert lean.json()["error"] == "invalid_client"
    assert lean.headers["www-authenticate"].startswith("Basic")


def test_a_spent_per_ip_limit_is_the_routes_429(
    client: Any, mini: OnlineApp, wallet: TestWallet, services: Services, routed: Routed
) -> None:
    # set before the code exchange, which then spends the one request of the minute: set after
    # it, the exchange left only a tenth of a second of the old limit's window, and a fast run
    # had its next request within that window refused and a later one allowed
    services.settings.rate_limits.oauth_token_per_ip_per_minute = 1
    token = tokens_for(client, mini, wallet)["refresh_token"]
    form = {"grant_type": "refresh_token", "refresh_token": token}

    def post() -> Any:
        return client.post("/oauth/token", data=form, auth=(mini.app_id, mini.client_secret))

    assert post().status_code == 429
    with routed():
        route = post()
    before_lean, before_measured = _lean(), _measured(429)
    lean = post()
    assert (route.status_code, lean.status_code) == (429, 429), lean.text
    assert _lean() == before_lean + 1
    assert _measured(429) == before_measured + 1  # under the route's template
    _assert_alike(lean, route)
    assert int(lean.headers["retry-after"]) >= 1
    problem, expected = lean.json(), route.json()
    assert problem["request_id"] != expected["request_id"]
    for key in ("type", "title", "status", "code", "limit", "instance"):
        assert problem[key] == expected[key], key
    assert problem["limit"] == "oauth.token"
    assert problem["instance"] == "/oauth/token"


def test_refresh_reuse_is_the_routes_invalid_grant(
    client: Any,
    mini: OnlineApp,
    wallet: TestWallet,
    services: Services,
    settings: Settings,
    routed: Routed,
) -> None:
    settings.oauth.refresh_reuse_grace_seconds = 0
    answers = []
    for take_route in (True, False):
        first = tokens_for(client, mini, wallet)["refresh_token"]
        assert refresh(client, mini, first).status_code == 200
        if take_route:
            with routed():
                answers.append(refresh(client, mini, first))
        else:
            answers.append(refresh(client, mini, first))
    route, lean = answers
    assert route.status_code == 400
    _assert_alike(lean, route)
    assert lean.json() == route.json()
    assert lean.json()["error"] == "invalid_grant"
    with services.transaction() as session:
        reused = session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "oauth.refresh_reused", AuditEvent.app_id == mini.app_id)
        )
    assert reused == 2  # one for each way


def test_other_bodies_get_the_routes_own_answer(
    client: Any, mini: OnlineApp, wallet: TestWallet, routed: Routed
) -> None:
    token = tokens_for(client, mini, wallet)["refresh_token"]
    form = {"grant_type": "refresh_token", "refresh_token": token}
    auth = (mini.app_id, mini.client_secret)
    before = _lean()
    with routed():
        route_json = client.post("/oauth/token", json=form, auth=auth)
    as_json = client.post("/oauth/token", json=form, auth=auth)
    assert as_json.status_code == route_json.status_code == 400
    assert as_json.json() == route_json.json()

    with_file = client.post("/oauth/token", data=form, files={"upload": ("a.txt", b"x")}, auth=auth)
    assert with_file.status_code == 400  # the route's form reader takes no files
    assert with_file.headers["content-type"].startswith("application/problem+json")

    multipart = client.post(
        "/oauth/token", files={key: (None, value) for key, value in form.items()}, auth=auth
    )
    assert multipart.status_code == 200, multipart.text  # the route reads it as a form
    assert _lean() == before


def test_each_request_is_counted_once_either_way(
    client: Any, mini: OnlineApp, wallet: TestWallet, services: Services
) -> None:
    current = tokens_for(client, mini, wallet)["refresh_token"]
    services.settings.rate_limits.oauth_token_per_ip_per_minute = 8
    auth = (mini.app_id, mini.client_secret)
    remaining, before = [], _lean()
    for turn in range(6):
        form = {"grant_type": "refresh_token", "refresh_token": current}
        if turn % 2:  # a multipart body: the route reads and counts it
            files = {key: (None, value) for key, value in form.items()}
            answer = client.post("/oauth/token", files=files, auth=auth)
        else:
            answer = client.post("/oauth/token", data=form, auth=auth)
        assert answer.status_code == 200, answer.text
        remaining.append(int(answer.headers["RateLimit-Remaining"]))
        current = answer.json()["refresh_token"]
    assert _lean() == before + 3
    # one less per request, never two (a slow machine may see one come back: 7.5 s per request)
    steps = [earlier - later for earlier, later in pairwise(remaining)]
    assert set(steps) <= {0, 1}
    assert steps.count(1) >= len(steps) - 1


def test_the_route_template_is_logged_and_measured(
    client: Any, mini: OnlineApp, wallet: TestWallet, caplog: pytest.LogCaptureFixture
) -> None:
    token = tokens_for(client, mini, wallet)["refresh_token"]
    before_lean, before_measured = _lean(), _measured(200)
    with caplog.at_level(logging.INFO, logger="chainless.access"):
        answer = refresh(client, mini, token)
    assert answer.status_code == 200, answer.text
    assert _lean() == before_lean + 1
    assert _measured(200) == before_measured + 1
    logged = [r for r in caplog.records if r.name == "chainless.access"]
    assert [(r.path, r.route, r.status) for r in logged] == [  # type: ignore[attr-defined]
        ("/oauth/token", "/oauth/token", 200)
    ]
    assert answer.headers["x-request-id"]


def test_a_token_request_waits_for_a_request_slot(
    client: Any,
    app: Any,
    mini: OnlineApp,
    wallet: TestWallet,
    services: Services,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """As the route's ``RequestSlot``: no thread and no connection while all slots are taken."""
    token = tokens_for(client, mini, wallet)["refresh_token"]
    monkeypatch.setattr(Database, "request_slots", property(lambda _: 1))
    form = {"grant_type": "refresh_token", "refresh_token": token}
    before = _lean()

    async def run() -> list[Any]:
        slots = request_slots(app, services)
        assert slots is not None
        answers: list[Any] = []
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:

            async def one() -> None:
                auth = (mini.app_id, mini.client_secret)
                answers.append(await http.post("/oauth/token", data=form, auth=auth))

            with anyio.fail_after(20):
                await slots.acquire()
                async with anyio.create_task_group() as group:
                    group.start_soon(one)
                    await anyio.sleep(0.3)
                    assert answers == []  # waiting for the slot
                    slots.release()
        return answers

    (answer,) = anyio.run(run)
    assert answer.status_code == 200, answer.text
    assert _lean() == before + 1


@pytest.mark.parametrize("how", ["non-utf8", "no-colon", "bad-base64", "empty-secret"])
def test_a_malformed_basic_header_is_the_routes_invalid_client(
    client: Any, mini: OnlineApp, wallet: TestWallet, routed: Routed, how: str
) -> None:
    """RFC 6749 §5.2 either way: the lean path reads the header as strictly as the route."""
    token = tokens_for(client, mini, wallet)["refresh_token"]
    form = {"grant_type": "refresh_token", "refresh_token": token}
    headers = malformed_headers(mini.app_id)[how]
    with routed():
        route = client.post("/oauth/token", data=form, headers=headers)
    before = _lean()
    lean = client.post("/oauth/token", data=form, headers=headers)
    assert _lean() == before + 1
    assert_invalid_client(route)
    _assert_alike(lean, route)
    assert lean.json() == route.json()
    assert lean.headers["www-authenticate"].startswith("Basic")


@pytest.mark.parametrize("grant", ["authorization_code", "refresh_token"])
def test_a_confidential_client_without_its_secret_is_the_routes_invalid_client(
    client: Any, mini: OnlineApp, wallet: TestWallet, routed: Routed, grant: str
) -> None:
    answers = []
    for take_route in (True, False):
        if grant == "refresh_token":
            token = tokens_for(client, mini, wallet)["refresh_token"]
            form = {"grant_type": grant, "refresh_token": token, "client_id": mini.app_id}
        else:
            verifier, challenge = pkce_pair()
            form = {
                "grant_type": grant,
                "code": get_code(client, wallet, mini, challenge),
                "redirect_uri": mini.redirect_uri,
                "code_verifier": verifier,
                "client_id": mini.app_id,
            }
        if take_route:
            with routed():
                answers.append(client.post("/oauth/token", data=form))
        else:
            answers.append(client.post("/oauth/token", data=form))
    route, lean = answers
    assert_invalid_client(route)
    _assert_alike(lean, route)
    assert lean.json() == route.json()


def test_a_public_client_refreshes_as_the_route_does(
    client: Any, factory: Factory, wallet: TestWallet, routed: Routed
) -> None:
    public = online_app(factory, public=True)
    first, second = tokens_for(client, public, wallet), tokens_for(client, public, wallet)
    with routed():
        route = refresh(client, public, first["refresh_token"])
    before = _lean()
    lean = refresh(client, public, second["refresh_token"])
    assert _lean() == before + 1
    assert route.status_code == 200, route.text
    _assert_alike(lean, route)
    _keys_alike(lean, route)
