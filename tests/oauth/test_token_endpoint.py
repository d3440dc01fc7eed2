"""The token endpoint: client authentication (RFC 6749 §2.3, §3.2.1) and error bodies (§5.2)."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from chainless.oauth.server import client_failure_key
from chainless.platform.core.services import Services
from chainless.platform.core.settings import Settings
from chainless.platform.models import Alert
from tests.factories import Factory, OnlineApp, online_app
from tests.oauth.wallet import TestWallet, get_code, introspect, pkce_pair, refresh

pytestmark = pytest.mark.portable


def code_form(client: Any, mini: OnlineApp, wallet: TestWallet) -> dict[str, str]:
    verifier, challenge = pkce_pair()
    return {
        "grant_type": "authorization_code",
        "code": get_code(client, wallet, mini, challenge),
        "redirect_uri": mini.redirect_uri,
        "code_verifier": verifier,
    }


def assert_oauth_error(response: Any, status: int, error: str) -> dict[str, Any]:
    """RFC 6749 §5.2: a JSON body with ``error`` (and a description), never cached."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["pragma"] == "no-cache"
    body = response.json()
    assert body["error"] == error, body
    assert isinstance(body.get("error_description", ""), str)
    assert "access_token" not in body
    return dict(body)


def assert_tokens(response: Any) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["access_token"]
    assert body["refresh_token"]
    assert body["expires_in"] == 900
    return dict(body)


def test_client_secret_basic(client: Any, mini: OnlineApp, wallet: TestWallet) -> None:
    form = code_form(client, mini, wallet)
    assert_tokens(client.post("/oauth/token", data=form, auth=(mini.app_id, mini.client_secret)))


def test_client_secret_post(client: Any, mini: OnlineApp, wallet: TestWallet) -> None:
    form = code_form(client, mini, wallet)
    form |= {"client_id": mini.app_id, "client_secret": mini.client_secret}
    assert_tokens(client.post("/oauth/token", data=form))


def test_a_public_client_uses_pkce_alone(
    client: Any, factory: Factory, wallet: TestWallet, settings: Settings
) -> None:
    public = online_app(factory, public=True)
    form = code_form(client, public, wallet) | {"client_id": public.app_id}
    tokens = assert_tokens(client.post("/oauth/token", data=form))
    refreshed = client.post(
        "/oauth/token",
        data={
            "grant_type": "refresh_token",
            "refresh_token": tokens["refresh_token"],
            "client_id": public.app_id,
        },
    )
    assert_tokens(refreshed)


def test_a_confidential_client_cannot_redeem_without_its_secret(
    client: Any, mini: OnlineApp, wallet: TestWallet
) -> None:
    """RFC 6749 §3.2.1: a stolen code with its verifier, or a stolen refresh token, is worth
    nothing without the app secret. (This test used to assert the opposite: every client could
    use ``none``.)"""
    form = code_form(client, mini, wallet)
    as_public = client.post("/oauth/token", data=form | {"client_id": mini.app_id})
    assert_oauth_error(as_public, 401, "invalid_client")
    tokens = assert_tokens(
        client.post("/oauth/token", data=form, auth=(mini.app_id, mini.client_secret))
    )
    stolen = {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}
    for attempt in (stolen | {"client_id": mini.app_id}, stolen):
        assert_oauth_error(client.post("/oauth/token", data=attempt), 401, "invalid_client")
    assert_tokens(refresh(client, mini, tokens["refresh_token"]))  # the token was not spent


@pytest.mark.parametrize(
    "how", ["basic", "post", "basic-and-empty-post-secret", "basic-and-form-client-id"]
)
def test_a_wrong_client_secret_is_invalid_client(
    client: Any, mini: OnlineApp, wallet: TestWallet, how: str
) -> None:
    form = code_form(client, mini, wallet)
    if how == "basic":
        response = client.post("/oauth/token", data=form, auth=(mini.app_id, "wrong-secret"))
        assert response.headers["www-authenticate"].startswith("Basic ")
    elif how == "post":
        response = client.post(
            "/oauth/token",
            data=form | {"client_id": mini.app_id, "client_secret": "wrong-secret"},
        )
    elif how == "basic-and-empty-post-secret":
        response = client.post(
            "/oauth/token",
            data=form | {"client_id": mini.app_id, "client_secret": ""},
            auth=(mini.app_id, "wrong-secret"),
        )
    else:  # a wrong secret must not fall back to the public-client path
        response = client.post(
            "/oauth/token", data=form | {"client_id": mini.app_id}, auth=(mini.app_id, "wrong")
        )
    assert_oauth_error(response, 401, "invalid_client")
    # a failed authentication spends no code
    assert_tokens(client.post("/oauth/token", data=form, auth=(mini.app_id, mini.client_secret)))


def test_another_apps_secret_is_invalid_client(
    client: Any, factory: Factory, mini: OnlineApp, wallet: TestWallet
) -> None:
    other = online_app(factory)
    form = code_form(client, mini, wallet)
    response = client.post("/oauth/token", data=form, auth=(mini.app_id, other.client_secret))
    assert_oauth_error(response, 401, "invalid_client")


@pytest.mark.parametrize(
    "client_id", ["unknown-app", "x" * 300, ""], ids=["unknown", "huge", "empty"]
)
def test_an_unknown_client_is_invalid_client(
    client: Any, mini: OnlineApp, wallet: TestWallet, client_id: str
) -> None:
    form = code_form(client, mini, wallet)
    response = client.post("/oauth/token", data=form, auth=(client_id, "secret"))
    assert_oauth_error(response, 401, "invalid_client")
    public = client.post("/oauth/token", data=form | {"client_id": client_id})
    assert public.status_code in (400, 401)
    assert public.json()["error"] == "invalid_client"


def test_repeated_bad_secrets_lock_the_client_out(
    client: Any, mini: OnlineApp, wallet: TestWallet, services: Services, settings: Settings
) -> None:
    settings.oauth.client_secret_max_failures = 3
    form = code_form(client, mini, wallet)
    for _ in range(3):
        failed = client.post("/oauth/token", data=form, auth=(mini.app_id, "wrong-secret"))
        assert_oauth_error(failed, 401, "invalid_client")
    locked = client.post("/oauth/token", data=form, auth=(mini.app_id, mini.client_secret))
    body = assert_oauth_error(locked, 401, "invalid_client")
    assert "too many" in body["error_description"]
    as_public = client.post("/oauth/token", data=form | {"client_id": mini.app_id})
    assert_oauth_error(as_public, 401, "invalid_client")
    # the other backend endpoints are behind the same lock
    introspected = client.post(
        "/oauth/introspect", data={"token": "x"}, auth=(mini.app_id, mini.client_secret)
    )
    assert_oauth_error(introspected, 401, "invalid_client")

    with services.transaction() as session:
        alerts = session.scalars(
            select(Alert).where(
                Alert.kind == "oauth.client_secret_failures", Alert.app_id == mini.app_id
            )
        ).all()
        assert len(alerts) == 1

    services.counters.reset(client_failure_key(mini.app_id, "testclient"))  # the window passed
    assert_tokens(client.post("/oauth/token", data=form, auth=(mini.app_id, mini.client_secret)))


def test_the_lockout_is_per_client(
    client: Any, factory: Factory, mini: OnlineApp, wallet: TestWallet, settings: Settings
) -> None:
    settings.oauth.client_secret_max_failures = 2
    other = online_app(factory)
    for _ in range(2):
        client.post("/oauth/token", data={"grant_type": "x"}, auth=(other.app_id, "wrong"))
    form = code_form(client, mini, wallet)
    assert_tokens(client.post("/oauth/token", data=form, auth=(mini.app_id, mini.client_secret)))


def test_a_stranger_cannot_lock_an_app_out(
    app: Any, client: Any, mini: OnlineApp, wallet: TestWallet, settings: Settings
) -> None:
    """The client id is public (it is in every authorization URL): failures from one address
    lock out that address, not the app's own backend elsewhere."""
    settings.oauth.client_secret_max_failures = 2
    with TestClient(app, base_url="http://testserver", client=("198.51.100.7", 4000)) as attacker:
        for _ in range(5):
            failed = attacker.post(
                "/oauth/token", data={"grant_type": "refresh_token"}, auth=(mini.app_id, "guess")
            )
            assert_oauth_error(failed, 401, "invalid_client")
        form = code_form(client, mini, wallet)
        locked = attacker.post("/oauth/token", data=form, auth=(mini.app_id, mini.client_secret))
        assert_oauth_error(locked, 401, "invalid_client")
    assert_tokens(client.post("/oauth/token", data=form, auth=(mini.app_id, mini.client_secret)))


def test_a_rotated_secret_stays_valid_during_the_overlap(
    client: Any, mini: OnlineApp, wallet: TestWallet
) -> None:
    rotated = client.post(
        f"/api/v1/apps/{mini.app_id}/secret/rotate", headers=mini.developer.headers
    )
    assert rotated.status_code in (200, 201), rotated.text
    new_secret = rotated.json()["client_secret"]
    assert new_secret != mini.client_secret
    assert rotated.json()["previous_secret_expires_at"]

    old = assert_tokens(
        client.post(
            "/oauth/token",
            data=code_form(client, mini, wallet),
            auth=(mini.app_id, mini.client_secret),
        )
    )
    new = assert_tokens(
        client.post(
            "/oauth/token", data=code_form(client, mini, wallet), auth=(mini.app_id, new_secret)
        )
    )
    assert introspect(client, mini, new["access_token"])["active"] is True
    with_new = OnlineApp(mini.app_id, new_secret, mini.redirect_uri, mini.developer)
    assert introspect(client, with_new, old["access_token"])["active"] is True

    rotated_again = client.post(
        f"/api/v1/apps/{mini.app_id}/secret/rotate", headers=mini.developer.headers
    )
    assert rotated_again.status_code in (200, 201)
    gone = client.post(
        "/oauth/token", data=code_form(client, mini, wallet), auth=(mini.app_id, mini.client_secret)
    )
    assert_oauth_error(gone, 401, "invalid_client")


@pytest.mark.parametrize(
    "grant_type",
    ["password", "client_credentials", "implicit", 'pa"ss', "ü", ""],
)
def test_an_unsupported_grant_type(client: Any, mini: OnlineApp, grant_type: str) -> None:
    response = client.post(
        "/oauth/token", data={"grant_type": grant_type}, auth=(mini.app_id, mini.client_secret)
    )
    assert_oauth_error(response, 400, "unsupported_grant_type")


def test_the_token_endpoint_takes_post_only(client: Any, mini: OnlineApp) -> None:
    response = client.get("/oauth/token", params={"grant_type": "authorization_code"})
    assert response.status_code == 405


def test_a_missing_code_is_invalid_request(client: Any, mini: OnlineApp) -> None:
    response = client.post(
        "/oauth/token",
        data={"grant_type": "authorization_code"},
        auth=(mini.app_id, mini.client_secret),
    )
    assert_oauth_error(response, 400, "invalid_request")


def test_a_missing_refresh_token_is_invalid_request(client: Any, mini: OnlineApp) -> None:
    response = client.post(
        "/oauth/token", data={"grant_type": "refresh_token"}, auth=(mini.app_id, mini.client_secret)
    )
    assert_oauth_error(response, 400, "invalid_request")


def test_a_refresh_token_of_another_app_is_invalid_grant(
    client: Any, factory: Factory, mini: OnlineApp, wallet: TestWallet
) -> None:
    other = online_app(factory)
    tokens = assert_tokens(
        client.post(
            "/oauth/token",
            data=code_form(client, mini, wallet),
            auth=(mini.app_id, mini.client_secret),
        )
    )
    assert_oauth_error(refresh(client, other, tokens["refresh_token"]), 400, "invalid_grant")
    assert_tokens(refresh(client, mini, tokens["refresh_token"]))
