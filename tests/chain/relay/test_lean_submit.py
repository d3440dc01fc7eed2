"""``POST /api/v1/relay/transactions`` with a cached API key is run ahead of the router
(``chain/relay/lean_submit.py``); it must answer exactly as the route does.

A key's first call goes through the route (nothing cached yet); later ones through the
middleware, which the ``chainless_relay_submit_ahead_of_routing_total`` counter shows. Redis
only: without it nothing is cached and every submission takes the route.
"""

from __future__ import annotations

from typing import Any

import pytest
from prometheus_client import REGISTRY
from sqlalchemy import func, select

from chainless.chain.models import RelayedTransaction
from chainless.chain.relay import service as relay_service
from chainless.platform.core.services import Services
from tests.chain.relay.support import (
    TX_URL,
    RelayApp,
    approve_data,
    relay_app,
    signed,
    submit,
)
from tests.conftest import RecordingJobRunner
from tests.contracts.conftest import Platform
from tests.factories import Factory


def _answered(status: str) -> float:
    sample = REGISTRY.get_sample_value(
        "chainless_relay_submit_ahead_of_routing_total", {"status": status}
    )
    return sample or 0.0


@pytest.fixture
def relay(factory: Factory, platform: Platform, services: Services) -> RelayApp:
    if services.redis is None:
        pytest.skip("API keys are cached only with Redis")
    return relay_app(factory, platform)


def _measured(status: str) -> float:
    labels = {"method": "POST", "route": TX_URL, "status": status}
    sample = REGISTRY.get_sample_value("chainless_http_request_duration_seconds_count", labels)
    return sample or 0.0


def _raw(platform: Platform, relay: RelayApp, nonce: int) -> str:
    data = approve_data(platform)
    return signed(platform.w3, relay.user, to=platform.token.address, data=data, nonce=nonce)


def _problem(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["code"] == code, body
    assert body["instance"] == TX_URL
    return body


def test_a_cached_submission_answers_as_the_route_does(
    client: Any, platform: Platform, relay: RelayApp, jobs: RecordingJobRunner
) -> None:
    nonce = platform.w3.eth.get_transaction_count(relay.user.address)
    before, measured = _answered("202"), _measured("202")
    routed = submit(client, relay, _raw(platform, relay, nonce))  # caches the key
    fast = submit(client, relay, _raw(platform, relay, nonce + 1))

    assert _answered("202") == before + 1  # the second submission only
    assert _measured("202") == measured + 2  # both under the route's template
    assert routed.status_code == fast.status_code == 202
    assert fast.headers["content-type"] == routed.headers["content-type"] == "application/json"
    assert set(fast.json()) == set(routed.json())
    assert fast.json()["state"] == "received"
    assert fast.json()["nonce"] == str(nonce + 1)  # quantities are decimal strings
    left = int(routed.headers["RateLimit-Remaining"])
    assert int(fast.headers["RateLimit-Remaining"]) == left - 1
    assert jobs.names() == ["relay.broadcast", "relay.broadcast"]  # sent after each answer

    again = submit(client, relay, _raw(platform, relay, nonce + 1))
    assert again.status_code == 200
    assert again.json() == fast.json()
    assert _answered("200") >= 1
    assert jobs.names() == ["relay.broadcast", "relay.broadcast"]  # no second broadcast


def test_refusals_ahead_of_the_router_are_the_routes_problems(
    client: Any, platform: Platform, relay: RelayApp
) -> None:
    nonce = platform.w3.eth.get_transaction_count(relay.user.address)
    assert submit(client, relay, _raw(platform, relay, nonce)).status_code == 202  # cached now
    before = _answered("401") + _answered("422") + _answered("403")

    no_user = client.post(
        TX_URL, json={"raw_transaction": "0x01"}, headers={"X-API-Key": relay.api_key}
    )
    _problem(no_user, 401, "user_token_missing")
    forged = submit(client, relay, _raw(platform, relay, nonce + 1), Authorization="Bearer x.y.z")
    _problem(forged, 401, "user_token_invalid")
    malformed = submit(client, relay, "0xf801")
    assert _problem(malformed, 422, "invalid_raw_transaction")["decode_error"]
    assert _answered("401") + _answered("422") + _answered("403") == before + 3

    not_hex = submit(client, relay, "not a transaction")  # the model refuses it: the route
    _problem(not_hex, 422, "validation_error")
    unknown_field = client.post(
        TX_URL, json={"raw_transaction": "0x01", "gas": 1}, headers=relay.headers
    )
    _problem(unknown_field, 422, "validation_error")
    no_key = client.post(
        TX_URL,
        json={"raw_transaction": _raw(platform, relay, nonce + 1)},
        headers={"Authorization": f"Bearer {relay.access_token}"},
    )
    _problem(no_key, 401, "api_key_required")
    assert _answered("401") + _answered("422") + _answered("403") == before + 3  # all routed


def test_the_limits_count_each_submission_once_and_refuse_with_their_headers(
    client: Any, platform: Platform, relay: RelayApp, services: Services
) -> None:
    limits = services.settings.rate_limits
    per_app = limits.per_app_per_minute
    nonce = platform.w3.eth.get_transaction_count(relay.user.address)
    remaining = [
        int(submit(client, relay, _raw(platform, relay, nonce + n)).headers["RateLimit-Remaining"])
        for n in range(3)
    ]
    assert remaining[0] - remaining[1] == remaining[1] - remaining[2] == 1
    assert remaining[0] < per_app


def test_an_unexpected_error_is_the_apps_500_problem_and_stores_nothing(
    client: Any,
    platform: Platform,
    relay: RelayApp,
    services: Services,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    nonce = platform.w3.eth.get_transaction_count(relay.user.address)
    assert submit(client, relay, _raw(platform, relay, nonce)).status_code == 202  # cached now
    stored_before = _stored(services)

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("a bug")

    monkeypatch.setattr(relay_service, "submit", broken)
    failed = submit(client, relay, _raw(platform, relay, nonce + 1))
    _problem(failed, 500, "internal_error")
    assert failed.headers["x-request-id"]
    assert _stored(services) == stored_before


def _stored(services: Services) -> int:
    with services.transaction() as session:
        return int(session.scalar(select(func.count()).select_from(RelayedTransaction)) or 0)
