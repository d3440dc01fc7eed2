"""Failed credentials are counted per client address (``platform/auth/failures.py``): bad API
keys, bad bearer tokens, bad cookies and no credentials at all answer 401 with the address's
failure bucket in ``RateLimit-*`` headers, then 429 past the limit; another address, and a valid
credential from the same one, are not held back."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from chainless.platform.core.services import Services
from tests.factories import Factory
from tests.platform.apikeys_helpers import call_self, create_app, create_key
from tests.platform.test_ratelimit_http import assert_rate_limited

pytestmark = pytest.mark.portable

LIMIT = 3
BAD_KEY = "ck_prod_0123456789abcdef_notasecretatall"


@pytest.fixture(autouse=True)
def small_limit(services: Services) -> None:
    services.settings.rate_limits.auth_failures_per_ip_per_minute = LIMIT


@pytest.fixture
def elsewhere(app: Any) -> Iterator[TestClient]:
    """A client at another address than ``client`` (``testclient``)."""
    with TestClient(app, base_url="http://testserver", client=("203.0.113.9", 40000)) as other:
        yield other


FAILURES: dict[str, dict[str, Any]] = {
    "bad API key": {"headers": {"X-API-Key": BAD_KEY}},
    "bad API key as bearer": {"headers": {"Authorization": f"Bearer {BAD_KEY}"}},
    "bad bearer token": {"headers": {"Authorization": "Bearer clt_not-a-token"}},
    "malformed authorization": {"headers": {"Authorization": "Basic dXNlcjpwYXNz"}},
    "bad session cookie": {"cookies": {"chainless_session": "cls_not-a-session"}},
    "no credentials": {},
}


def _me(client: TestClient, how: dict[str, Any]) -> Any:
    client.cookies.clear()
    for name, value in how.get("cookies", {}).items():
        client.cookies.set(name, value)
    return client.get("/api/v1/accounts/me", headers=how.get("headers", {}))


@pytest.mark.parametrize("failure", list(FAILURES))
def test_failed_credentials_are_limited_per_address(
    client: TestClient, elsewhere: TestClient, factory: Factory, failure: str
) -> None:
    dev = factory.developer()
    how = FAILURES[failure]
    answers = [_me(client, how) for _ in range(LIMIT)]
    assert [r.status_code for r in answers] == [401] * LIMIT
    assert all(r.headers["content-type"] == "application/problem+json" for r in answers)
    assert [r.headers["RateLimit-Remaining"] for r in answers] == ["2", "1", "0"]
    assert all(r.headers["RateLimit-Policy"] == f"{LIMIT};w=60" for r in answers)

    assert_rate_limited(_me(client, how), limit="auth_failures", count=LIMIT, period=60)
    assert_rate_limited(
        _me(client, FAILURES["no credentials"]), limit="auth_failures", count=3, period=60
    )  # the address is held back, whatever it fails with next

    other = _me(elsewhere, how)  # another address has its own bucket
    assert other.status_code == 401
    assert other.headers["RateLimit-Remaining"] == "2"
    # a valid credential from the held-back address is never refused by this limit
    assert client.get("/api/v1/accounts/me", headers=dev.headers).status_code == 200


def test_successful_requests_spend_nothing_of_the_failure_bucket(
    client: TestClient, factory: Factory, services: Services
) -> None:
    dev = factory.developer(approved=True)
    app_id = create_app(services, dev)
    key = create_key(client, dev, app_id)["key"]
    for _ in range(2 * LIMIT):
        assert client.get("/api/v1/accounts/me", headers=dev.headers).status_code == 200
        assert call_self(client, app_id, key).status_code == 200
    first_failure = _me(client, FAILURES["bad API key"])
    assert first_failure.status_code == 401
    assert first_failure.headers["RateLimit-Remaining"] == str(LIMIT - 1)


def _wrong_secret(key: str) -> str:
    """The same key id (so its cached credential is found) with another secret."""
    return key[:-1] + ("A" if key[-1] != "A" else "B")


def test_the_fast_paths_hand_bad_keys_to_the_route_which_counts_them(
    client: TestClient, factory: Factory, services: Services
) -> None:
    """``ApiKeyAppReads`` and ``LeanRelaySubmit`` answer only keys they admit from the cache; a
    wrong secret for a cached key id goes to the route and is counted like any failure."""
    dev = factory.developer(approved=True)
    app_id = create_app(services, dev)
    key = create_key(client, dev, app_id, scopes=["data:read", "transaction:write"])["key"]
    assert client.get(f"/api/v1/apps/{app_id}", headers={"X-API-Key": key}).status_code == 200
    wrong = {"X-API-Key": _wrong_secret(key)}  # its key id is cached now (with Redis)
    submission = {"raw_transaction": "0x02f8"}

    answers = [
        client.get(f"/api/v1/apps/{app_id}", headers=wrong),
        client.post("/api/v1/relay/transactions", headers=wrong, json=submission),
        client.post("/api/v1/relay/transactions", json=submission),  # no key at all
    ]
    assert [r.status_code for r in answers] == [401] * LIMIT
    assert [r.json()["code"] for r in answers] == [
        "api_key_invalid",
        "api_key_invalid",
        "api_key_required",
    ]
    assert [r.headers["RateLimit-Remaining"] for r in answers] == ["2", "1", "0"]
    for refused in (
        client.get(f"/api/v1/apps/{app_id}", headers=wrong),
        client.post("/api/v1/relay/transactions", headers=wrong, json=submission),
    ):
        assert_rate_limited(refused, limit="auth_failures", count=LIMIT, period=60)
    # the key itself still works, on the fast path and through the route
    assert client.get(f"/api/v1/apps/{app_id}", headers={"X-API-Key": key}).status_code == 200
