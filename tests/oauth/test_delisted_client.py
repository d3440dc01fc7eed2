"""A delisted app at every OAuth endpoint: an RFC 6749 ``invalid_client`` whose
``error_description`` says the app is delisted and whose ``error_code`` is ``app_delisted``, the
code the relay and the CDN answer (it used to be Authlib's "The client does not exist")."""

from __future__ import annotations

from typing import Any

import pytest

from chainless.platform.core.services import Services
from tests.factories import Factory, OnlineApp
from tests.oauth.wallet import (
    TestWallet,
    approve,
    authorize_params,
    pkce_pair,
    redirect_params,
    tokens_for,
)

pytestmark = pytest.mark.portable


def delist(client: Any, factory: Factory, mini: OnlineApp) -> None:
    delisted = client.post(
        f"/api/v1/admin/apps/{mini.app_id}/delist",
        headers=factory.operator().headers,
        json={"reason": "phishing reports"},
    )
    assert delisted.status_code == 200, delisted.text


def assert_delisted(response: Any) -> None:
    assert response.status_code == 401, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert body["error"] == "invalid_client"  # RFC 6749 §5.2
    assert body["error_code"] == "app_delisted"
    assert "delisted" in body["error_description"]
    assert "does not exist" not in body["error_description"]


def test_the_token_endpoint(
    client: Any, factory: Factory, mini: OnlineApp, wallet: TestWallet
) -> None:
    issued = tokens_for(client, mini, wallet)
    verifier, challenge = pkce_pair()
    query = authorize_params(mini, challenge)
    page = client.get("/oauth/authorize", params=query, follow_redirects=False)
    if page.status_code == 200:
        page = approve(client, wallet, query)
    code = redirect_params(page)["code"]
    delist(client, factory, mini)

    refresh = {"grant_type": "refresh_token", "refresh_token": issued["refresh_token"]}
    basic = client.post("/oauth/token", data=refresh, auth=(mini.app_id, mini.client_secret))
    assert_delisted(basic)
    assert basic.headers["www-authenticate"].startswith("Basic ")  # RFC 6749 §5.2
    by_post = {"client_id": mini.app_id, "client_secret": mini.client_secret}
    assert_delisted(client.post("/oauth/token", data=refresh | by_post))
    exchange = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": mini.redirect_uri,
        "code_verifier": verifier,
        "client_id": mini.app_id,  # as a public client (PKCE alone) sends it
    }
    assert_delisted(client.post("/oauth/token", data=exchange))


def test_introspection_and_revocation(
    client: Any, factory: Factory, mini: OnlineApp, wallet: TestWallet
) -> None:
    access = tokens_for(client, mini, wallet)["access_token"]
    for _ in range(2):  # the second one from the caches before the delisting
        introspected = client.post(
            "/oauth/introspect", data={"token": access}, auth=(mini.app_id, mini.client_secret)
        )
        assert introspected.json()["active"] is True
    delist(client, factory, mini)
    for path in ("/oauth/introspect", "/oauth/revoke"):
        answer = client.post(path, data={"token": access}, auth=(mini.app_id, mini.client_secret))
        assert_delisted(answer)


def test_the_authorization_endpoint_shows_an_error_page(
    client: Any, factory: Factory, mini: OnlineApp
) -> None:
    delist(client, factory, mini)
    _, challenge = pkce_pair()
    page = client.get(
        "/oauth/authorize", params=authorize_params(mini, challenge), follow_redirects=False
    )
    assert page.status_code == 400
    assert "location" not in page.headers  # never back to the app (RFC 6749 §4.1.2.1)
    assert "<code>invalid_client</code>" in page.text
    assert "delisted" in page.text


def test_a_delisted_apps_calls_are_not_counted_towards_the_lockout(
    client: Any, factory: Factory, mini: OnlineApp, wallet: TestWallet, services: Services
) -> None:
    """Not failed secrets: once relisted, the app's backend is not locked out."""
    access = tokens_for(client, mini, wallet)["access_token"]
    delist(client, factory, mini)
    for _ in range(services.settings.oauth.client_secret_max_failures + 1):
        answer = client.post(
            "/oauth/introspect", data={"token": access}, auth=(mini.app_id, "wrong-secret")
        )
        assert_delisted(answer)
    relisted = client.post(
        f"/api/v1/admin/apps/{mini.app_id}/relist", headers=factory.operator().headers, json={}
    )
    assert relisted.status_code == 200, relisted.text
    answer = client.post(
        "/oauth/introspect", data={"token": access}, auth=(mini.app_id, mini.client_secret)
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["active"] is False  # delisting ended the grant for good
