"""Authorization codes (RFC 6749 §4.1.2, RFC 7636): single use, short-lived, and bound to the
client, the redirect URI, the PKCE challenge, the user and the scopes."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from pydantic import ValidationError
from sqlalchemy import select, update

from chainless.oauth.models import AuthorizationCode, TokenFamily
from chainless.platform.core.clock import utcnow
from chainless.platform.core.services import Services
from chainless.platform.core.settings import OAuthSettings, Settings
from chainless.platform.models import Alert, AuditEvent
from tests.factories import Factory, OnlineApp, online_app
from tests.oauth.wallet import (
    TestWallet,
    exchange,
    get_code,
    introspect,
    pkce_pair,
    refresh,
    token_request,
)

pytestmark = pytest.mark.portable


def assert_oauth_error(response: Any, status: int, error: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert body["error"] == error, body
    assert "access_token" not in body


def test_a_code_is_single_use_and_its_replay_revokes_what_it_issued(
    client: Any, mini: OnlineApp, wallet: TestWallet, services: Services
) -> None:
    verifier, challenge = pkce_pair()
    code = get_code(client, wallet, mini, challenge)
    first = exchange(client, mini, code, verifier)
    assert first.status_code == 200, first.text
    tokens = first.json()
    assert introspect(client, mini, tokens["access_token"])["active"] is True

    assert_oauth_error(exchange(client, mini, code, verifier), 400, "invalid_grant")

    assert introspect(client, mini, tokens["access_token"]) == {"active": False}
    assert introspect(client, mini, tokens["refresh_token"]) == {"active": False}
    assert_oauth_error(refresh(client, mini, tokens["refresh_token"]), 400, "invalid_grant")
    userinfo = client.get(
        "/oauth/userinfo", headers={"Authorization": f"Bearer {tokens['access_token']}"}
    )
    assert userinfo.status_code == 401
    with services.transaction() as session:
        families = session.scalars(
            select(TokenFamily).where(TokenFamily.app_id == mini.app_id)
        ).all()
        assert [f.revoked_reason for f in families] == ["code_replay"]
        assert session.scalars(
            select(AuditEvent).where(
                AuditEvent.action == "oauth.code_replayed", AuditEvent.app_id == mini.app_id
            )
        ).all()
        assert session.scalars(
            select(Alert).where(Alert.kind == "oauth.code_replay", Alert.app_id == mini.app_id)
        ).all()


def test_a_replayed_code_does_not_touch_other_sessions_of_the_grant(
    client: Any, mini: OnlineApp, wallet: TestWallet
) -> None:
    verifier, challenge = pkce_pair()
    code = get_code(client, wallet, mini, challenge)
    replayed = exchange(client, mini, code, verifier).json()
    other_verifier, other_challenge = pkce_pair()
    other = exchange(
        client, mini, get_code(client, wallet, mini, other_challenge), other_verifier
    ).json()
    assert exchange(client, mini, code, verifier).status_code == 400
    assert introspect(client, mini, replayed["access_token"])["active"] is False
    assert introspect(client, mini, other["access_token"])["active"] is True


def test_an_expired_code_is_refused(
    client: Any, mini: OnlineApp, wallet: TestWallet, services: Services
) -> None:
    verifier, challenge = pkce_pair()
    code = get_code(client, wallet, mini, challenge)
    with services.transaction() as session:
        session.execute(
            update(AuthorizationCode).values(expires_at=utcnow() - timedelta(seconds=1))
        )
    assert_oauth_error(exchange(client, mini, code, verifier), 400, "invalid_grant")


def test_the_code_lifetime_is_60_seconds_by_default(
    client: Any, mini: OnlineApp, wallet: TestWallet, services: Services
) -> None:
    _, challenge = pkce_pair()
    get_code(client, wallet, mini, challenge)
    with services.transaction() as session:
        row = session.scalars(
            select(AuthorizationCode).where(AuthorizationCode.app_id == mini.app_id)
        ).one()
    assert row.expires_at - row.created_at == timedelta(seconds=60)


def test_the_code_lifetime_is_configurable_up_to_ten_minutes(
    client: Any, mini: OnlineApp, wallet: TestWallet, services: Services, settings: Settings
) -> None:
    assert OAuthSettings().code_ttl_seconds == 60
    assert OAuthSettings(code_ttl_seconds=600).code_ttl_seconds == 600
    for too_long in (601, 3600):
        with pytest.raises(ValidationError):
            OAuthSettings(code_ttl_seconds=too_long)
    with pytest.raises(ValidationError):
        OAuthSettings(code_ttl_seconds=0)
    settings.oauth = OAuthSettings(code_ttl_seconds=600)
    _, challenge = pkce_pair()
    get_code(client, wallet, mini, challenge)
    with services.transaction() as session:
        row = session.scalars(
            select(AuthorizationCode).where(AuthorizationCode.app_id == mini.app_id)
        ).one()
    assert row.expires_at - row.created_at == timedelta(seconds=600)


def test_a_code_is_bound_to_its_client(
    client: Any, factory: Factory, mini: OnlineApp, wallet: TestWallet
) -> None:
    other = online_app(factory, redirect_uri=mini.redirect_uri)
    public = online_app(factory, redirect_uri=mini.redirect_uri, public=True)
    verifier, challenge = pkce_pair()
    code = get_code(client, wallet, mini, challenge)
    assert_oauth_error(exchange(client, other, code, verifier), 400, "invalid_grant")
    assert_oauth_error(exchange(client, public, code, verifier), 400, "invalid_grant")
    mixed = client.post(
        "/oauth/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": mini.redirect_uri,
            "code_verifier": verifier,
        },
        auth=(mini.app_id, other.client_secret),
    )
    assert_oauth_error(mixed, 401, "invalid_client")
    # none of that spent the code: its own client still exchanges it
    assert exchange(client, mini, code, verifier).status_code == 200


def test_a_code_is_bound_to_its_redirect_uri(
    client: Any, factory: Factory, wallet: TestWallet
) -> None:
    developer = factory.developer(approved=True)
    created = client.post(
        "/api/v1/apps",
        headers=developer.headers,
        json={
            "name": "Two callbacks",
            "description": "Signs in with two callbacks",
            "redirect_uris": ["https://two.example/a", "https://two.example/b"],
            "requested_scopes": ["basic:address", "basic:user_id"],
        },
    )
    assert created.status_code == 201, created.text
    app_id = created.json()["app_id"]
    assert client.post(
        f"/api/v1/apps/{app_id}/versions", headers=developer.headers, json={"version": "1.0.0"}
    ).is_success
    assert client.post(
        f"/api/v1/apps/{app_id}/submit", headers=developer.headers, json={"version": "1.0.0"}
    ).is_success
    assert client.post(
        f"/api/v1/admin/apps/{app_id}/review",
        headers=factory.operator().headers,
        json={"decision": "approve"},
    ).is_success
    mini = OnlineApp(app_id, created.json()["client_secret"], "https://two.example/a", developer)
    verifier, challenge = pkce_pair()
    code = get_code(client, wallet, mini, challenge)
    for wrong in ("https://two.example/b", "https://two.example/a/", ""):
        assert_oauth_error(
            exchange(client, mini, code, verifier, redirect_uri=wrong), 400, "invalid_grant"
        )
    no_uri = client.post(
        "/oauth/token",
        data={"grant_type": "authorization_code", "code": code, "code_verifier": verifier},
        auth=(mini.app_id, mini.client_secret),
    )
    assert_oauth_error(no_uri, 400, "invalid_grant")
    assert exchange(client, mini, code, verifier).status_code == 200


@pytest.mark.parametrize(
    ("verifier", "error"),
    [
        (pkce_pair()[0], "invalid_grant"),  # a well-formed verifier of another challenge
        ("", "invalid_request"),
        (None, "invalid_request"),
        ("short", "invalid_request"),
        ("a" * 129, "invalid_request"),
    ],
    ids=["wrong", "empty", "missing", "short", "too-long"],
)
@pytest.mark.parametrize("kind", ["confidential", "public"])
def test_a_code_is_bound_to_its_pkce_challenge(
    client: Any, factory: Factory, wallet: TestWallet, verifier: str | None, error: str, kind: str
) -> None:
    mini = online_app(factory, public=kind == "public")
    right, challenge = pkce_pair()
    code = get_code(client, wallet, mini, challenge)
    data = {"grant_type": "authorization_code", "code": code, "redirect_uri": mini.redirect_uri}
    if verifier is not None:
        data["code_verifier"] = verifier
    assert_oauth_error(token_request(client, mini, data), 400, error)
    # the challenge itself is no verifier either
    assert_oauth_error(exchange(client, mini, code, challenge), 400, "invalid_grant")
    assert exchange(client, mini, code, right).status_code == 200


def test_a_code_carries_the_user_and_the_scopes_it_was_issued_for(
    client: Any, mini: OnlineApp, wallet: TestWallet
) -> None:
    verifier, challenge = pkce_pair()
    code = get_code(client, wallet, mini, challenge, scope="basic:address")
    body = exchange(client, mini, code, verifier, scope="basic:address basic:user_id").json()
    assert body["scope"] == "basic:address"
    claims = introspect(client, mini, body["access_token"])
    assert claims["wallet_address"] == wallet.address
    assert claims["scope"] == "basic:address"


def test_a_code_of_a_revoked_grant_is_refused(
    client: Any, mini: OnlineApp, wallet: TestWallet
) -> None:
    verifier, challenge = pkce_pair()
    code = get_code(client, wallet, mini, challenge)
    grant_id = client.get(
        "/api/v1/wallet/authorizations", headers={"X-CSRF-Token": wallet.csrf_token}
    ).json()[0]["id"]
    revoked = client.delete(
        f"/api/v1/wallet/authorizations/{grant_id}", headers={"X-CSRF-Token": wallet.csrf_token}
    )
    assert revoked.status_code == 204
    assert_oauth_error(exchange(client, mini, code, verifier), 400, "invalid_grant")


@pytest.mark.parametrize("code", ["", "x" * 5000, "not-a-code"], ids=["empty", "huge", "unknown"])
def test_a_bad_code_is_invalid_grant(client: Any, mini: OnlineApp, code: str) -> None:
    verifier, _ = pkce_pair()
    response = exchange(client, mini, code, verifier)
    assert response.status_code == 400
    assert response.json()["error"] in {"invalid_grant", "invalid_request"}


def test_codes_are_stored_only_as_hashes(
    client: Any, mini: OnlineApp, wallet: TestWallet, services: Services
) -> None:
    _, challenge = pkce_pair()
    code = get_code(client, wallet, mini, challenge)
    with services.transaction() as session:
        row = session.scalars(
            select(AuthorizationCode).where(AuthorizationCode.app_id == mini.app_id)
        ).one()
    assert row.code_hash != code
    assert code not in repr(vars(row))
    assert row.code_hash == services.hasher.hash(code)
