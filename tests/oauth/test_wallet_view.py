"""The user's own view: which apps hold which grants on which devices, and revoking any of them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from chainless.platform.core.services import Services
from chainless.platform.models import AuditEvent
from tests.factories import Factory, OnlineApp, online_app
from tests.oauth.wallet import (
    TestWallet,
    approve,
    authorize_params,
    introspect,
    pkce_pair,
    redirect_params,
    refresh,
    tokens_for,
)

pytestmark = pytest.mark.portable
LIST = "/api/v1/wallet/authorizations"


def csrf(wallet: TestWallet) -> dict[str, str]:
    return {"X-CSRF-Token": wallet.csrf_token}


def listing(client: Any) -> list[dict[str, Any]]:
    response = client.get(LIST)
    assert response.status_code == 200, response.text
    return list(response.json())


def test_the_list_shows_app_scopes_times_and_devices(
    client: Any, factory: Factory, mini: OnlineApp, wallet: TestWallet
) -> None:
    assert listing(client) == []
    tokens_for(client, mini, wallet)
    tokens_for(client, mini, wallet)
    second_app = online_app(factory, redirect_uri="https://second.example/cb")
    tokens_for(client, second_app, wallet, scope="basic:address")

    grants = {grant["app"]["app_id"]: grant for grant in listing(client)}
    assert set(grants) == {mini.app_id, second_app.app_id}
    grant = grants[mini.app_id]
    assert grant["app"]["name"] == "Token Swap"
    assert set(grant["scope"]) == {"basic:address", "basic:user_id"}
    assert "See your wallet address" in grant["scope_descriptions"]
    granted, used = datetime.fromisoformat(grant["granted_at"]), grant["last_used_at"]
    assert used is not None
    assert datetime.fromisoformat(used) >= granted
    assert len(grant["devices"]) == 2
    for device in grant["devices"]:
        assert device["id"]
        assert device["created_at"]
        assert device["last_used_at"]
        assert "device_name" in device
    assert grants[second_app.app_id]["scope"] == ["basic:address"]
    assert len(grants[second_app.app_id]["devices"]) == 1


def test_revoking_one_device_ends_only_that_session(
    client: Any, mini: OnlineApp, wallet: TestWallet, services: Services
) -> None:
    phone, laptop = tokens_for(client, mini, wallet), tokens_for(client, mini, wallet)
    grant = listing(client)[0]
    phone_family = introspect(client, mini, phone["access_token"])["sid"]
    assert phone_family in {device["id"] for device in grant["devices"]}

    response = client.delete(f"{LIST}/{grant['id']}/devices/{phone_family}", headers=csrf(wallet))
    assert response.status_code == 204, response.text

    assert introspect(client, mini, phone["access_token"]) == {"active": False}
    assert refresh(client, mini, phone["refresh_token"]).json()["error"] == "invalid_grant"
    assert introspect(client, mini, laptop["access_token"])["active"] is True
    assert refresh(client, mini, laptop["refresh_token"]).status_code == 200
    remaining = listing(client)[0]["devices"]
    assert phone_family not in {device["id"] for device in remaining}
    again = client.delete(f"{LIST}/{grant['id']}/devices/{phone_family}", headers=csrf(wallet))
    assert again.status_code == 404
    with services.transaction() as session:
        assert session.scalars(
            select(AuditEvent).where(
                AuditEvent.action == "oauth.device_revoked", AuditEvent.app_id == mini.app_id
            )
        ).all()


def test_revoking_the_authorization_ends_everything_at_once(
    client: Any, mini: OnlineApp, wallet: TestWallet, services: Services
) -> None:
    sessions = [tokens_for(client, mini, wallet) for _ in range(2)]
    grant = listing(client)[0]
    assert client.delete(f"{LIST}/{grant['id']}", headers=csrf(wallet)).status_code == 204
    for tokens in sessions:
        assert introspect(client, mini, tokens["access_token"]) == {"active": False}
        assert introspect(client, mini, tokens["refresh_token"]) == {"active": False}
        assert refresh(client, mini, tokens["refresh_token"]).json()["error"] == "invalid_grant"
        userinfo = client.get(
            "/oauth/userinfo", headers={"Authorization": f"Bearer {tokens['access_token']}"}
        )
        assert userinfo.status_code == 401
    assert listing(client) == []
    # consent is asked again
    _, challenge = pkce_pair()
    page = client.get(
        "/oauth/authorize", params=authorize_params(mini, challenge), follow_redirects=False
    )
    assert page.status_code == 200
    with services.transaction() as session:
        revoked = session.scalars(
            select(AuditEvent).where(
                AuditEvent.action == "oauth.grant_revoked", AuditEvent.app_id == mini.app_id
            )
        ).all()
        assert [event.app_id for event in revoked] == [mini.app_id]


@pytest.mark.parametrize("header", [None, "wrong", ""], ids=["missing", "wrong", "empty"])
def test_a_cookie_delete_needs_the_csrf_header(
    client: Any, mini: OnlineApp, wallet: TestWallet, header: str | None
) -> None:
    tokens = tokens_for(client, mini, wallet)
    grant = listing(client)[0]
    headers = {} if header is None else {"X-CSRF-Token": header}
    for path in (
        f"{LIST}/{grant['id']}",
        f"{LIST}/{grant['id']}/devices/{grant['devices'][0]['id']}",
    ):
        response = client.delete(path, headers=headers)
        assert response.status_code == 403, response.text
        assert response.json()["code"] == "csrf_failed"
    assert introspect(client, mini, tokens["access_token"])["active"] is True


def test_another_authorization_header_does_not_skip_the_csrf_check(
    client: Any, mini: OnlineApp, wallet: TestWallet
) -> None:
    """Only the bearer wallet token itself exempts a request; a browser sends the cookie with
    whatever Authorization header it has cached (HTTP Basic, say)."""
    tokens = tokens_for(client, mini, wallet)
    grant = listing(client)[0]
    for header in ("Basic dXNlcjpwYXNz", "Bearer not-a-wallet-token", "Bearer cws_forged"):
        response = client.delete(f"{LIST}/{grant['id']}", headers={"Authorization": header})
        assert response.status_code in (401, 403), (header, response.text)
    assert introspect(client, mini, tokens["access_token"])["active"] is True


def test_the_bearer_session_token_needs_no_csrf(
    app: Any, client: Any, mini: OnlineApp, wallet: TestWallet
) -> None:
    tokens = tokens_for(client, mini, wallet)
    session_token = wallet.sign_in()["session_token"]
    with TestClient(app, base_url="http://testserver") as wallet_app:  # no cookies at all
        bearer = {"Authorization": f"Bearer {session_token}"}
        grants = wallet_app.get(LIST, headers=bearer)
        assert grants.status_code == 200
        assert len(grants.json()) == 1
        assert wallet_app.get(LIST).status_code == 401
        revoked = wallet_app.delete(f"{LIST}/{grants.json()[0]['id']}", headers=bearer)
        assert revoked.status_code == 204, revoked.text
    assert introspect(client, mini, tokens["access_token"]) == {"active": False}


def test_another_users_authorization_is_not_found(
    app: Any, client: Any, mini: OnlineApp, wallet: TestWallet
) -> None:
    tokens = tokens_for(client, mini, wallet)
    grant = listing(client)[0]
    with TestClient(app, base_url="http://testserver") as other_browser:
        intruder = TestWallet(other_browser)
        intruder.sign_in()
        assert other_browser.get(LIST).json() == []
        for path in (
            f"{LIST}/{grant['id']}",
            f"{LIST}/{grant['id']}/devices/{grant['devices'][0]['id']}",
        ):
            response = other_browser.delete(path, headers=csrf(intruder))
            assert response.status_code == 404, response.text
        # nor can a device of someone else's grant be reached through one's own grant
        tokens_for(other_browser, mini, intruder)
        own = other_browser.get(LIST).json()[0]
        response = other_browser.delete(
            f"{LIST}/{own['id']}/devices/{grant['devices'][0]['id']}", headers=csrf(intruder)
        )
        assert response.status_code == 404
    assert introspect(client, mini, tokens["access_token"])["active"] is True


def test_a_signed_out_wallet_sees_nothing(client: Any, wallet: TestWallet) -> None:
    assert client.post("/oauth/siwe/sign-out", headers=csrf(wallet)).status_code == 204
    response = client.get(LIST)
    assert response.status_code == 401
    assert response.json()["code"] == "wallet_session_required"


def test_delisting_revokes_every_grant_of_the_app(
    client: Any, factory: Factory, mini: OnlineApp, wallet: TestWallet, services: Services
) -> None:
    tokens = tokens_for(client, mini, wallet)
    other_app = online_app(factory, redirect_uri="https://other.example/cb")
    kept = tokens_for(client, other_app, wallet)

    delisted = client.post(
        f"/api/v1/admin/apps/{mini.app_id}/delist",
        headers=factory.operator().headers,
        json={"reason": "phishing reports"},
    )
    assert delisted.status_code == 200, delisted.text

    assert [grant["app"]["app_id"] for grant in listing(client)] == [other_app.app_id]
    assert introspect(client, other_app, kept["access_token"])["active"] is True
    # the delisted app is no client any more: its backend cannot even authenticate
    introspection = client.post(
        "/oauth/introspect",
        data={"token": tokens["access_token"]},
        auth=(mini.app_id, mini.client_secret),
    )
    assert introspection.status_code == 401
    userinfo = client.get(
        "/oauth/userinfo", headers={"Authorization": f"Bearer {tokens['access_token']}"}
    )
    assert userinfo.status_code == 401
    _, challenge = pkce_pair()
    page = client.get(
        "/oauth/authorize", params=authorize_params(mini, challenge), follow_redirects=False
    )
    assert page.status_code == 400
    assert "location" not in page.headers
    with services.transaction() as session:
        assert session.scalars(
            select(AuditEvent).where(
                AuditEvent.action == "oauth.grants_revoked_on_delist",
                AuditEvent.app_id == mini.app_id,
            )
        ).all()

    # relisting does not bring the grants back
    relisted = client.post(
        f"/api/v1/admin/apps/{mini.app_id}/relist", headers=factory.operator().headers, json={}
    )
    assert relisted.status_code == 200, relisted.text
    assert introspect(client, mini, tokens["access_token"]) == {"active": False}
    assert refresh(client, mini, tokens["refresh_token"]).json()["error"] == "invalid_grant"


def test_the_wallet_page_lists_the_grants(client: Any, mini: OnlineApp, wallet: TestWallet) -> None:
    tokens_for(client, mini, wallet)
    page = client.get("/wallet/authorizations")
    assert page.status_code == 200
    assert "Token Swap" in page.text
    assert wallet.address in page.text
    assert page.headers["cache-control"] == "no-store"
    token = page.text.split('"X-CSRF-Token": "')[1].split('"')[0]
    grant = listing(client)[0]
    device = grant["devices"][0]
    # each signed-in device has its own sign-out, next to its name
    assert f'data-device="{device["id"]}"' in page.text
    assert f"{LIST}/{grant['id']}/devices/{device['id']}" in page.text
    # the token the page embeds is accepted by the API (no cookie is needed to learn it)
    assert (
        client.delete(f"{LIST}/{grant['id']}", headers={"X-CSRF-Token": token}).status_code == 204
    )


IPHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) ChainlessWallet/2.1"


def test_a_device_is_named_by_the_wallet_not_by_the_app_backend(
    client: Any, mini: OnlineApp
) -> None:
    """The code is exchanged by the app's server (``python-httpx/…``); the device shown to the
    user is the one the wallet signed in on: its ``device_name``, else its user agent."""
    wallet = TestWallet(client)
    wallet.sign_in()  # names its device "test phone"
    verifier, challenge = pkce_pair()
    query = authorize_params(mini, challenge)
    page = client.get("/oauth/authorize", params=query, follow_redirects=False)
    if page.status_code == 200:
        page = approve(client, wallet, query)
    code = redirect_params(page)["code"]
    exchanged = client.post(
        "/oauth/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": mini.redirect_uri,
            "code_verifier": verifier,
        },
        auth=(mini.app_id, mini.client_secret),
        headers={"User-Agent": "python-httpx/0.28.1"},
    )
    assert exchanged.status_code == 200, exchanged.text
    assert [d["device_name"] for d in listing(client)[0]["devices"]] == ["test phone"]

    unnamed = TestWallet(client)
    message = unnamed.prepare()
    signed_in = client.post(
        "/oauth/siwe/sign-in",
        json={"message": message, "signature": unnamed.sign(message)},
        headers={"User-Agent": IPHONE},
    )
    assert signed_in.status_code == 200, signed_in.text
    unnamed.csrf_token = signed_in.json()["csrf_token"]
    tokens_for(client, mini, unnamed)
    assert [d["device_name"] for d in listing(client)[0]["devices"]] == [IPHONE]
