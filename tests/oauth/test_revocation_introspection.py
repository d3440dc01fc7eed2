"""Revocation (RFC 7009), introspection (RFC 7662) and userinfo (claims gated by scope)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select, update

from chainless.oauth.models import WalletUser
from chainless.platform.core.services import Services
from chainless.platform.models import AuditEvent
from tests.factories import Factory, OnlineApp, online_app
from tests.oauth.wallet import TestWallet, introspect, refresh, tokens_for

pytestmark = pytest.mark.portable


@pytest.fixture
def mini(factory: Factory) -> OnlineApp:
    return online_app(factory, scopes=("basic:address", "basic:user_id", "extended:email"))


def revoke(client: Any, mini: OnlineApp, token: str, **extra: str) -> Any:
    return client.post(
        "/oauth/revoke", data={"token": token, **extra}, auth=(mini.app_id, mini.client_secret)
    )


def userinfo(client: Any, token: str) -> Any:
    return client.get("/oauth/userinfo", headers={"Authorization": f"Bearer {token}"})


# --- revocation --------------------------------------------------------------------------------


@pytest.mark.parametrize("which", ["refresh_token", "access_token"])
@pytest.mark.parametrize("hint", [None, "refresh_token", "access_token"])
def test_revoking_either_token_ends_its_session_at_once(
    client: Any,
    mini: OnlineApp,
    wallet: TestWallet,
    services: Services,
    which: str,
    hint: str | None,
) -> None:
    """A wrong hint does not stop the search (RFC 7009 §2.1)."""
    tokens = tokens_for(client, mini, wallet)
    response = revoke(client, mini, tokens[which], **({"token_type_hint": hint} if hint else {}))
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    assert introspect(client, mini, tokens["access_token"]) == {"active": False}
    assert introspect(client, mini, tokens["refresh_token"]) == {"active": False}
    assert refresh(client, mini, tokens["refresh_token"]).json()["error"] == "invalid_grant"
    assert userinfo(client, tokens["access_token"]).status_code == 401
    with services.transaction() as session:
        events = session.scalars(
            select(AuditEvent).where(
                AuditEvent.action == "oauth.token_revoked", AuditEvent.app_id == mini.app_id
            )
        ).all()
        assert len(events) == 1


def test_revoking_one_session_leaves_the_others(
    client: Any, mini: OnlineApp, wallet: TestWallet
) -> None:
    first, second = tokens_for(client, mini, wallet), tokens_for(client, mini, wallet)
    assert revoke(client, mini, first["refresh_token"]).status_code == 200
    assert introspect(client, mini, second["access_token"])["active"] is True
    assert refresh(client, mini, second["refresh_token"]).status_code == 200


def test_revoking_another_apps_token_answers_200_and_revokes_nothing(
    client: Any, factory: Factory, mini: OnlineApp, wallet: TestWallet
) -> None:
    other = online_app(factory)
    tokens = tokens_for(client, mini, wallet)
    for token in (tokens["access_token"], tokens["refresh_token"]):
        assert revoke(client, other, token).status_code == 200
    assert introspect(client, mini, tokens["access_token"])["active"] is True
    assert refresh(client, mini, tokens["refresh_token"]).status_code == 200


@pytest.mark.parametrize("token", ["nonsense", "clr_unknown", "a.b.c", "x" * 5000])
def test_revoking_an_unknown_token_answers_200(client: Any, mini: OnlineApp, token: str) -> None:
    assert revoke(client, mini, token).status_code == 200


def test_revocation_needs_the_apps_secret(client: Any, mini: OnlineApp, wallet: TestWallet) -> None:
    tokens = tokens_for(client, mini, wallet)
    public = client.post(
        "/oauth/revoke", data={"token": tokens["refresh_token"], "client_id": mini.app_id}
    )
    assert public.status_code == 401
    assert public.json()["error"] == "invalid_client"
    wrong = client.post(
        "/oauth/revoke", data={"token": tokens["refresh_token"]}, auth=(mini.app_id, "wrong")
    )
    assert wrong.status_code == 401
    assert wrong.json()["error"] == "invalid_client"
    assert introspect(client, mini, tokens["access_token"])["active"] is True


def test_an_unknown_token_type_hint_is_ignored(
    client: Any, mini: OnlineApp, wallet: TestWallet
) -> None:
    """RFC 7009 §2.1 and RFC 7662 §2.1: the hint may be ignored; the token is still found."""
    tokens = tokens_for(client, mini, wallet)
    assert introspect(client, mini, tokens["access_token"], token_type_hint="id_token")["active"]
    response = revoke(client, mini, tokens["refresh_token"], token_type_hint="id_token")
    assert response.status_code == 200
    assert introspect(client, mini, tokens["access_token"]) == {"active": False}


# --- introspection -----------------------------------------------------------------------------


def test_introspection_of_an_active_access_token(
    client: Any, mini: OnlineApp, wallet: TestWallet
) -> None:
    tokens = tokens_for(client, mini, wallet)
    response = client.post(
        "/oauth/introspect",
        data={"token": tokens["access_token"]},
        auth=(mini.app_id, mini.client_secret),
    )
    assert response.headers["cache-control"] == "no-store"
    claims = response.json()
    assert claims["active"] is True
    assert claims["client_id"] == mini.app_id
    assert claims["aud"] == mini.app_id
    assert claims["wallet_address"] == wallet.address
    assert claims["token_type"] == "Bearer"
    assert claims["exp"] - claims["iat"] == 900
    refresh_claims = introspect(client, mini, tokens["refresh_token"])
    assert refresh_claims["active"] is True
    assert refresh_claims["token_type"] == "refresh_token"
    post = client.post(
        "/oauth/introspect",
        data={
            "token": tokens["access_token"],
            "client_id": mini.app_id,
            "client_secret": mini.client_secret,
        },
    )
    assert post.json()["active"] is True


def test_introspection_is_for_app_backends_only(
    client: Any, mini: OnlineApp, wallet: TestWallet
) -> None:
    tokens = tokens_for(client, mini, wallet)
    for kwargs in (
        {"data": {"token": tokens["access_token"], "client_id": mini.app_id}},
        {"data": {"token": tokens["access_token"]}},
        {"data": {"token": tokens["access_token"]}, "auth": (mini.app_id, "wrong")},
        {"data": {"token": tokens["access_token"]}, "auth": ("unknown-app", "secret")},
    ):
        response = client.post("/oauth/introspect", **kwargs)
        assert response.status_code == 401, response.text
        assert response.json()["error"] == "invalid_client"
        assert "active" not in response.json()


def test_another_apps_token_is_inactive_to_an_app(
    client: Any, factory: Factory, mini: OnlineApp, wallet: TestWallet
) -> None:
    other = online_app(factory)
    tokens = tokens_for(client, mini, wallet)
    assert introspect(client, other, tokens["access_token"]) == {"active": False}
    assert introspect(client, other, tokens["refresh_token"]) == {"active": False}


@pytest.mark.parametrize("token", ["", "garbage", "a.b.c", "clr_nothing"])
def test_introspecting_garbage(client: Any, mini: OnlineApp, token: str) -> None:
    response = client.post(
        "/oauth/introspect", data={"token": token}, auth=(mini.app_id, mini.client_secret)
    )
    assert response.status_code == 200
    assert response.json() == {"active": False}
    missing = client.post("/oauth/introspect", data={}, auth=(mini.app_id, mini.client_secret))
    assert missing.status_code == 400
    assert missing.json()["error"] == "invalid_request"


# --- userinfo ----------------------------------------------------------------------------------


def test_userinfo_claims_follow_the_scopes(
    client: Any, mini: OnlineApp, wallet: TestWallet, services: Services
) -> None:
    only_id = tokens_for(client, mini, wallet, scope="basic:user_id")
    body = userinfo(client, only_id["access_token"]).json()
    assert "wallet_address" not in body
    assert "email" not in body
    assert "phone" not in body
    assert body["sub"] == body["user_id"]

    address = tokens_for(client, mini, wallet, scope="basic:address")
    body = userinfo(client, address["access_token"]).json()
    assert body["wallet_address"] == wallet.address
    assert "user_id" not in body
    assert "email" not in body

    email = tokens_for(client, mini, wallet, scope="basic:address extended:email")
    body = userinfo(client, email["access_token"]).json()
    assert "email" in body
    assert body["email"] is None
    with services.transaction() as session:
        session.execute(update(WalletUser).values(email="ada@example.com"))
    assert userinfo(client, email["access_token"]).json()["email"] == "ada@example.com"
    assert "email" not in userinfo(client, address["access_token"]).json()


def test_userinfo_with_a_revoked_or_bad_token(
    client: Any, mini: OnlineApp, wallet: TestWallet
) -> None:
    tokens = tokens_for(client, mini, wallet)
    assert userinfo(client, tokens["access_token"]).status_code == 200
    assert revoke(client, mini, tokens["access_token"]).status_code == 200
    for response in (
        userinfo(client, tokens["access_token"]),
        userinfo(client, "garbage"),
        userinfo(client, tokens["refresh_token"]),
        client.get("/oauth/userinfo"),
    ):
        assert response.status_code == 401
        assert response.headers["www-authenticate"].startswith("Bearer ")
        assert response.json()["error"] == "invalid_token"


def test_the_per_ip_limit_of_introspection_is_a_setting(
    client: Any, mini: OnlineApp, services: Services
) -> None:
    services.settings.rate_limits.oauth_backend_per_ip_per_minute = 2
    answers = [
        client.post(
            "/oauth/introspect", data={"token": "x"}, auth=(mini.app_id, mini.client_secret)
        )
        for _ in range(3)
    ]
    assert [a.status_code for a in answers] == [200, 200, 429]
    assert answers[2].json()["limit"] == "oauth.backend"
