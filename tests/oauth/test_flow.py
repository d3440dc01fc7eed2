"""The whole wallet-login story over HTTP: SIWE sign-in, consent, code, tokens, introspection."""

from __future__ import annotations

from typing import Any

import pytest

from tests.factories import Factory, online_app
from tests.oauth.wallet import (
    TestWallet,
    approve,
    authorize_params,
    get_code,
    pkce_pair,
    redirect_params,
)

pytestmark = pytest.mark.portable


def exchange(client: Any, app: Any, code: str, verifier: str, **extra: str) -> Any:
    return client.post(
        "/oauth/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": app.redirect_uri,
            "code_verifier": verifier,
            **extra,
        },
        auth=(app.app_id, app.client_secret),
    )


def test_code_flow_with_pkce_refresh_and_introspection(client: Any, factory: Factory) -> None:
    app = online_app(factory)
    wallet = TestWallet(client)
    verifier, challenge = pkce_pair()
    params = authorize_params(app, challenge)

    signin_page = client.get("/oauth/authorize", params=params)
    assert signin_page.status_code == 200
    assert "Sign in with your wallet" in signin_page.text

    signed = wallet.sign_in()
    assert signed["address"] == wallet.address
    consent = client.get("/oauth/authorize", params=params)
    assert consent.status_code == 200
    assert "See your wallet address" in consent.text
    assert "Token Swap" in consent.text

    got = redirect_params(approve(client, wallet, params))
    assert got["state"] == "st-123"
    tokens = exchange(client, app, got["code"], verifier)
    assert tokens.status_code == 200, tokens.text
    body = tokens.json()
    assert body["token_type"] == "Bearer"
    assert body["scope"] == "basic:address basic:user_id"
    assert body["refresh_token"].startswith("clr_")

    introspected = client.post(
        "/oauth/introspect",
        data={"token": body["access_token"]},
        auth=(app.app_id, app.client_secret),
    ).json()
    assert introspected["active"] is True
    assert introspected["wallet_address"] == wallet.address
    assert introspected["client_id"] == app.app_id

    userinfo = client.get(
        "/oauth/userinfo", headers={"Authorization": f"Bearer {body['access_token']}"}
    ).json()
    assert userinfo["wallet_address"] == wallet.address

    refreshed = client.post(
        "/oauth/token",
        data={"grant_type": "refresh_token", "refresh_token": body["refresh_token"]},
        auth=(app.app_id, app.client_secret),
    )
    assert refreshed.status_code == 200, refreshed.text
    assert refreshed.json()["refresh_token"] != body["refresh_token"]

    # consent is remembered: the next authorization skips the screen
    second_verifier, second_challenge = pkce_pair()
    skip = client.get(
        "/oauth/authorize", params=authorize_params(app, second_challenge), follow_redirects=False
    )
    assert skip.status_code == 302
    assert exchange(client, app, redirect_params(skip)["code"], second_verifier).status_code == 200


def test_code_replay_revokes_the_tokens_issued_from_it(client: Any, factory: Factory) -> None:
    app = online_app(factory)
    wallet = TestWallet(client)
    wallet.sign_in()
    verifier, challenge = pkce_pair()
    code = get_code(client, wallet, app, challenge)
    first = exchange(client, app, code, verifier).json()
    replay = exchange(client, app, code, verifier)
    assert replay.status_code == 400
    assert replay.json()["error"] == "invalid_grant"
    introspected = client.post(
        "/oauth/introspect",
        data={"token": first["access_token"]},
        auth=(app.app_id, app.client_secret),
    ).json()
    assert introspected == {"active": False}
