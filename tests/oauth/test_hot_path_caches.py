"""Client records and live token families cached per process behind Redis epochs (Redis only).

Introspection of an access token is answered from the caches when they hold everything; a
revocation, a secret rotation or a delisting made in another process is honoured on the very
next request. "Another process" is a second app with its own services (its own caches) on the
same database and Redis.
"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from chainless.oauth.endpoints import token as token_endpoints
from chainless.platform.core.services import Services
from tests.factories import Factory, OnlineApp, online_app
from tests.oauth.basic_headers import assert_invalid_client, malformed_headers
from tests.oauth.wallet import TestWallet, introspect, tokens_for


@pytest.fixture
def long_way(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Every introspection that took the long way (Authlib on the database)."""
    taken: list[bool] = []
    real = token_endpoints._introspect

    def counted(*args: Any) -> Any:
        taken.append(True)
        return real(*args)

    monkeypatch.setattr(token_endpoints, "_introspect", counted)
    return taken


def _introspect(client: Any, app_id: str, secret: str, token: str) -> Any:
    return client.post("/oauth/introspect", data={"token": token}, auth=(app_id, secret))


def test_a_live_access_token_is_introspected_from_the_caches(
    client: Any, other: TestClient, mini: OnlineApp, wallet: TestWallet, long_way: list[bool]
) -> None:
    access = tokens_for(client, mini, wallet)["access_token"]
    first = _introspect(client, mini.app_id, mini.client_secret, access)
    second = _introspect(client, mini.app_id, mini.client_secret, access)
    assert first.status_code == second.status_code == 200
    assert first.json() == second.json()
    assert second.json()["active"] is True
    assert second.headers["cache-control"] == "no-store"
    assert second.headers["RateLimit-Limit"]
    assert long_way == [True]  # the first one filled the caches


def test_a_revocation_in_another_process_shows_at_once(
    client: Any, other: TestClient, mini: OnlineApp, wallet: TestWallet, long_way: list[bool]
) -> None:
    issued = tokens_for(client, mini, wallet)
    for _ in range(2):
        assert introspect(client, mini, issued["access_token"])["active"] is True
    assert len(long_way) == 1

    revoked = other.post(
        "/oauth/revoke",
        data={"token": issued["refresh_token"]},
        auth=(mini.app_id, mini.client_secret),
    )
    assert revoked.status_code == 200, revoked.text
    assert introspect(client, mini, issued["access_token"]) == {"active": False}
    # and the platform APIs that take access tokens refuse it too
    userinfo = client.get(
        "/oauth/userinfo", headers={"Authorization": f"Bearer {issued['access_token']}"}
    )
    assert userinfo.status_code == 401


def test_a_grant_revoked_by_the_user_elsewhere_stops_userinfo_at_once(
    client: Any, other: TestClient, mini: OnlineApp, wallet: TestWallet
) -> None:
    access = tokens_for(client, mini, wallet)["access_token"]
    bearer = {"Authorization": f"Bearer {access}"}
    assert client.get("/oauth/userinfo", headers=bearer).status_code == 200
    assert client.get("/oauth/userinfo", headers=bearer).status_code == 200

    own = {"Authorization": f"Bearer {wallet.sign_in()['session_token']}"}
    grants = other.get("/api/v1/wallet/authorizations", headers=own)
    assert grants.status_code == 200, grants.text
    grant_id = grants.json()[0]["id"]
    deleted = other.delete(f"/api/v1/wallet/authorizations/{grant_id}", headers=own)
    assert deleted.status_code in (200, 204), deleted.text

    assert client.get("/oauth/userinfo", headers=bearer).status_code == 401
    assert introspect(client, mini, access) == {"active": False}


def test_a_secret_rotated_in_another_process_is_honoured_at_once(
    client: Any, other: TestClient, mini: OnlineApp, wallet: TestWallet
) -> None:
    access = tokens_for(client, mini, wallet)["access_token"]
    for _ in range(2):
        assert _introspect(client, mini.app_id, mini.client_secret, access).status_code == 200

    secrets = []
    for _ in range(2):  # twice: the original secret leaves the overlap
        rotated = other.post(
            f"/api/v1/apps/{mini.app_id}/secret/rotate", headers=mini.developer.headers
        )
        assert rotated.status_code in (200, 201), rotated.text
        secrets.append(rotated.json()["client_secret"])

    refused = _introspect(client, mini.app_id, mini.client_secret, access)
    assert refused.status_code == 401
    assert refused.json()["error"] == "invalid_client"
    for secret in secrets:  # the newest, and the previous one during its overlap
        answered = _introspect(client, mini.app_id, secret, access)
        assert answered.status_code == 200
        assert answered.json()["active"] is True


def test_a_delisted_apps_tokens_stop_introspecting_active(
    client: Any,
    other: TestClient,
    factory: Factory,
    mini: OnlineApp,
    wallet: TestWallet,
) -> None:
    access = tokens_for(client, mini, wallet)["access_token"]
    for _ in range(2):
        assert introspect(client, mini, access)["active"] is True

    delisted = other.post(
        f"/api/v1/admin/apps/{mini.app_id}/delist",
        headers=factory.operator().headers,
        json={"reason": "phishing reports"},
    )
    assert delisted.status_code == 200, delisted.text

    # the app is no client any more, and its tokens are dead for every other caller too
    assert _introspect(client, mini.app_id, mini.client_secret, access).status_code == 401
    userinfo = client.get("/oauth/userinfo", headers={"Authorization": f"Bearer {access}"})
    assert userinfo.status_code == 401


def test_a_wrong_secret_is_counted_and_the_lockout_applies_to_cached_clients(
    client: Any, mini: OnlineApp, wallet: TestWallet, services: Services
) -> None:
    access = tokens_for(client, mini, wallet)["access_token"]
    for _ in range(2):
        assert _introspect(client, mini.app_id, mini.client_secret, access).status_code == 200
    limit = services.settings.oauth.client_secret_max_failures
    for _ in range(limit):
        wrong = _introspect(client, mini.app_id, "wrong-secret", access)
        assert wrong.status_code == 401
    locked = _introspect(client, mini.app_id, mini.client_secret, access)
    assert locked.status_code == 401
    assert "too many" in locked.json()["error_description"]


def test_a_foreign_token_is_inactive_from_the_caches_too(
    client: Any, factory: Factory, mini: OnlineApp, wallet: TestWallet
) -> None:
    other_app = online_app(factory, redirect_uri="https://other.example/cb")
    foreign = tokens_for(client, other_app, wallet)["access_token"]
    for _ in range(2):
        assert introspect(client, other_app, foreign)["active"] is True
        assert introspect(client, mini, foreign) == {"active": False}


def test_the_route_limit_applies_to_cached_answers_once_per_request(
    client: Any, mini: OnlineApp, wallet: TestWallet, services: Services
) -> None:
    access = tokens_for(client, mini, wallet)["access_token"]
    services.settings.rate_limits.oauth_backend_per_ip_per_minute = 3
    answers = [_introspect(client, mini.app_id, mini.client_secret, access) for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert answers[1].headers["RateLimit-Remaining"] == "1"
    assert answers[3].json()["limit"] == "oauth.backend"
    assert answers[3].headers["content-type"].startswith("application/problem+json")
    assert answers[3].headers["Retry-After"]


def test_client_secret_post_still_introspects_the_long_way(
    client: Any, mini: OnlineApp, wallet: TestWallet, long_way: list[bool]
) -> None:
    access = tokens_for(client, mini, wallet)["access_token"]
    for _ in range(2):
        answered = client.post(
            "/oauth/introspect",
            data={"token": access, "client_id": mini.app_id, "client_secret": mini.client_secret},
        )
        assert answered.status_code == 200, answered.text
        assert answered.json()["active"] is True
    assert long_way == [True, True]


@pytest.mark.parametrize("how", ["non-utf8", "no-colon", "bad-base64", "empty-secret"])
def test_a_malformed_basic_header_is_invalid_client_with_the_caches_warm(
    client: Any, mini: OnlineApp, wallet: TestWallet, long_way: list[bool], how: str
) -> None:
    access = tokens_for(client, mini, wallet)["access_token"]
    assert introspect(client, mini, access)["active"] is True  # the caches hold it all now
    taken = len(long_way)
    headers = malformed_headers(mini.app_id)[how]
    answer = client.post("/oauth/introspect", data={"token": access}, headers=headers)
    assert_invalid_client(answer)
    assert answer.headers["www-authenticate"].startswith("Basic")
    assert len(long_way) == taken + 1  # refused by the endpoint, not answered from the caches


def test_a_public_client_never_introspects_from_the_caches(
    client: Any, factory: Factory, wallet: TestWallet, long_way: list[bool]
) -> None:
    public = online_app(factory, public=True)
    access = tokens_for(client, public, wallet)["access_token"]
    as_public = {"data": {"token": access, "client_id": public.app_id}}
    with_a_guess = {"data": {"token": access}, "auth": (public.app_id, "cs_guess")}
    for attempt in (as_public, with_a_guess, as_public):
        assert_invalid_client(client.post("/oauth/introspect", **attempt))
    assert len(long_way) == 3
