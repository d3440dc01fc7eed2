"""``GET /api/v1/apps/{app_id}`` with a cached API key is answered ahead of the router
(``platform/apps/api_key_reads.py``); it must answer exactly as the route does.

The first read of a key goes through the route (nothing cached yet); later ones through the
middleware, which the ``chainless_api_key_app_reads_total`` counter shows. Redis only: without
it nothing is cached and every read takes the route.
"""

from __future__ import annotations

from typing import Any

import pytest
from prometheus_client import REGISTRY

from chainless.platform.core.services import Services
from tests.factories import Factory
from tests.platform.apikeys_helpers import create_app, create_key, keys_url


def _answered(status: str) -> float:
    value = REGISTRY.get_sample_value("chainless_api_key_app_reads_total", {"status": status})
    return value or 0.0


def _measured(status: str) -> float:
    labels = {"method": "GET", "route": "/api/v1/apps/{app_id}", "status": status}
    sample = REGISTRY.get_sample_value("chainless_http_request_duration_seconds_count", labels)
    return sample or 0.0


def _read(client: Any, app_id: str, key: str, *, bearer: bool = False) -> Any:
    headers = {"Authorization": f"Bearer {key}"} if bearer else {"X-API-Key": key}
    return client.get(f"/api/v1/apps/{app_id}", headers=headers)


@pytest.fixture
def dev_app(client: Any, factory: Factory, services: Services) -> tuple[Any, str]:
    dev = factory.developer(approved=True)
    return dev, create_app(services, dev)


@pytest.mark.parametrize("bearer", [False, True])
def test_a_cached_read_answers_as_the_route_does(
    client: Any, dev_app: tuple[Any, str], bearer: bool
) -> None:
    dev, app_id = dev_app
    key = create_key(client, dev, app_id, rate_limit={"calls": 10, "per": "minute"})["key"]
    before, measured = _answered("200"), _measured("200")
    routed = _read(client, app_id, key, bearer=bearer)
    fast = _read(client, app_id, key, bearer=bearer)

    assert _answered("200") == before + 1  # the second read only
    assert _measured("200") == measured + 2  # both under the route's template
    assert routed.status_code == fast.status_code == 200
    assert fast.json() == routed.json()
    assert fast.json()["app_id"] == app_id
    assert fast.headers["content-type"] == routed.headers["content-type"] == "application/json"
    assert routed.headers["RateLimit-Remaining"] == "9"
    assert fast.headers["RateLimit-Remaining"] == "8"  # counted once, by the middleware
    assert fast.headers["RateLimit-Policy"] == "10;w=60"
    assert fast.headers["x-request-id"]
    assert fast.headers["x-request-id"] != routed.headers["x-request-id"]


def test_the_key_limit_refuses_with_its_headers(client: Any, dev_app: tuple[Any, str]) -> None:
    dev, app_id = dev_app
    key = create_key(client, dev, app_id, rate_limit={"calls": 2, "per": "minute"})["key"]
    assert [_read(client, app_id, key).status_code for _ in range(2)] == [200, 200]
    before = _answered("429")
    refused = _read(client, app_id, key)

    assert _answered("429") == before + 1
    assert refused.status_code == 429
    assert refused.headers["content-type"] == "application/problem+json"
    problem = refused.json()
    assert problem["code"] == "rate_limited"
    assert problem["instance"] == f"/api/v1/apps/{app_id}"
    assert int(refused.headers["Retry-After"]) >= 1
    assert refused.headers["RateLimit-Remaining"] == "0"


def test_another_apps_detail_is_a_404_both_ways(
    client: Any, factory: Factory, services: Services, dev_app: tuple[Any, str]
) -> None:
    dev, app_id = dev_app
    other_app = create_app(services, factory.developer(approved=True), name="Other")
    key = create_key(client, dev, app_id)["key"]
    assert _read(client, app_id, key).status_code == 200  # the credential is cached now
    before = _answered("404")
    response = _read(client, other_app, key)

    assert _answered("404") == before + 1
    assert response.status_code == 404
    assert response.json()["code"] == "app_not_found"
    assert "Other" not in response.text  # nothing of the other app's detail


def test_a_key_without_read_scope_gets_the_routes_403(
    client: Any, dev_app: tuple[Any, str]
) -> None:
    dev, app_id = dev_app
    key = create_key(client, dev, app_id, scopes=["transaction:write"])["key"]
    routed, fast = _read(client, app_id, key), _read(client, app_id, key)

    assert routed.status_code == fast.status_code == 403
    assert fast.json()["code"] == routed.json()["code"] == "permission_denied"
    assert fast.json()["permission"] == "app:read"


def test_a_revoked_key_is_refused_at_once(client: Any, dev_app: tuple[Any, str]) -> None:
    dev, app_id = dev_app
    key = create_key(client, dev, app_id)
    assert _read(client, app_id, key["key"]).status_code == 200
    assert _read(client, app_id, key["key"]).status_code == 200  # served from the caches
    revoked = client.post(
        keys_url(app_id, f"/{key['id']}/revoke"), headers=dev.headers, json={"reason": "leaked"}
    )
    assert revoked.status_code == 200, revoked.text

    refused = _read(client, app_id, key["key"])
    assert refused.status_code == 401
    assert refused.json()["code"] == "api_key_revoked"


def test_a_change_of_the_app_shows_on_the_next_read(client: Any, dev_app: tuple[Any, str]) -> None:
    dev, app_id = dev_app
    key = create_key(client, dev, app_id)["key"]
    assert _read(client, app_id, key).json()["name"] != "Renamed"
    _read(client, app_id, key)
    renamed = client.patch(f"/api/v1/apps/{app_id}", headers=dev.headers, json={"name": "Renamed"})
    assert renamed.status_code == 200, renamed.text

    assert _read(client, app_id, key).json()["name"] == "Renamed"


def test_other_requests_on_the_path_take_the_route(client: Any, dev_app: tuple[Any, str]) -> None:
    dev, app_id = dev_app
    before = sum(_answered(status) for status in ("200", "401", "403", "404", "429"))
    assert client.get(f"/api/v1/apps/{app_id}", headers=dev.headers).status_code == 200
    bad = client.get(f"/api/v1/apps/{app_id}", headers={"X-API-Key": "ck_prod_nope"})
    assert bad.status_code == 401
    assert sum(_answered(status) for status in ("200", "401", "403", "404", "429")) == before
