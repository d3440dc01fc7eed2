"""The token endpoint's one Redis call (``oauth.endpoints.token_limit``), Redis only.

With the client's record cached, the route's limit, the record's epoch and the client's lockout
counter are read in one guarded script call: each request is still counted once, a lockout
still applies, and a client changed in another process is seen on its very next request.
"""

from __future__ import annotations

from itertools import pairwise
from typing import Any

import pytest
from fastapi.testclient import TestClient

from chainless.oauth.endpoints import token as token_endpoints
from chainless.platform.core.services import Services
from tests.factories import Factory, OnlineApp
from tests.oauth.wallet import TestWallet, tokens_for


@pytest.fixture
def one_call(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """For each token request, whether the one Redis call counted it."""
    taken: list[bool] = []
    real = token_endpoints.count_with_client

    async def spy(*args: Any) -> Any:
        counted = await real(*args)
        taken.append(counted is not None)
        return counted

    monkeypatch.setattr(token_endpoints, "count_with_client", spy)
    return taken


def _refresh(client: Any, app_id: str, secret: str, token: str) -> Any:
    form = {"grant_type": "refresh_token", "refresh_token": token}
    return client.post("/oauth/token", data=form, auth=(app_id, secret))


def test_the_route_limit_is_counted_once_per_refresh(
    client: Any, mini: OnlineApp, wallet: TestWallet, services: Services, one_call: list[bool]
) -> None:
    current = tokens_for(client, mini, wallet)["refresh_token"]
    services.settings.rate_limits.oauth_token_per_ip_per_minute = 6
    remaining, refused = [], None
    for _ in range(12):
        answer = _refresh(client, mini.app_id, mini.client_secret, current)
        if answer.status_code == 429:
            refused = answer
            break
        assert answer.status_code == 200, answer.text
        remaining.append(int(answer.headers["RateLimit-Remaining"]))
        current = answer.json()["refresh_token"]
    # one less per request, never two (a slow machine may see one come back: 10 s per request)
    steps = [before - after for before, after in pairwise(remaining)]
    assert set(steps) <= {0, 1}
    assert 1 in steps
    assert refused is not None
    assert refused.json()["limit"] == "oauth.token"
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert refused.headers["Retry-After"]
    assert all(one_call[1:])  # the client's record was cached after the code exchange


def test_the_lockout_applies_to_a_cached_client(
    client: Any, mini: OnlineApp, wallet: TestWallet, services: Services, one_call: list[bool]
) -> None:
    current = tokens_for(client, mini, wallet)["refresh_token"]
    for _ in range(services.settings.oauth.client_secret_max_failures):
        wrong = _refresh(client, mini.app_id, "wrong-secret", current)
        assert wrong.status_code == 401
        assert wrong.json()["error"] == "invalid_client"
    locked = _refresh(client, mini.app_id, mini.client_secret, current)
    assert locked.status_code == 401
    assert "too many" in locked.json()["error_description"]
    assert all(one_call[1:])


def test_a_secret_rotated_in_another_process_is_honoured_at_once(
    client: Any, other: TestClient, mini: OnlineApp, wallet: TestWallet, one_call: list[bool]
) -> None:
    current = tokens_for(client, mini, wallet)["refresh_token"]
    answer = _refresh(client, mini.app_id, mini.client_secret, current)
    assert answer.status_code == 200, answer.text
    current = answer.json()["refresh_token"]

    secret = mini.client_secret
    for _ in range(2):  # twice: the original secret leaves the overlap
        rotated = other.post(
            f"/api/v1/apps/{mini.app_id}/secret/rotate", headers=mini.developer.headers
        )
        assert rotated.status_code in (200, 201), rotated.text
        secret = rotated.json()["client_secret"]

    refused = _refresh(client, mini.app_id, mini.client_secret, current)
    assert refused.status_code == 401
    assert refused.json()["error"] == "invalid_client"
    assert one_call[-1] is False  # the epoch had moved: counted the usual way, record read anew
    answer = _refresh(client, mini.app_id, secret, current)
    assert answer.status_code == 200, answer.text
    assert one_call[-1] is True


def test_a_client_delisted_in_another_process_is_refused_at_once(
    client: Any, other: TestClient, factory: Factory, mini: OnlineApp, wallet: TestWallet
) -> None:
    current = tokens_for(client, mini, wallet)["refresh_token"]
    delisted = other.post(
        f"/api/v1/admin/apps/{mini.app_id}/delist",
        headers=factory.operator().headers,
        json={"reason": "phishing reports"},
    )
    assert delisted.status_code == 200, delisted.text
    refused = _refresh(client, mini.app_id, mini.client_secret, current)
    assert refused.status_code == 401
    assert refused.json()["error"] == "invalid_client"


def test_refreshes_and_code_exchanges_bump_no_cache_epoch(
    client: Any, mini: OnlineApp, wallet: TestWallet, services: Services
) -> None:
    """They write families, grants and refresh tokens but never ``revoked_at``: the caches of
    live families and client records (introspection's) stay valid."""
    assert services.epochs is not None
    names = ("oauth.families", "oauth.clients")
    before = [services.epochs.current(name) for name in names]
    current = tokens_for(client, mini, wallet)["refresh_token"]
    for _ in range(2):
        answer = _refresh(client, mini.app_id, mini.client_secret, current)
        assert answer.status_code == 200, answer.text
        current = answer.json()["refresh_token"]
    assert [services.epochs.current(name) for name in names] == before
