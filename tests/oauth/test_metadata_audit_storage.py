"""Server metadata (RFC 8414), the audit trail of the wallet login, and secrets at rest."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select, text

from chainless.platform.core.services import Services
from chainless.platform.models import AuditEvent
from tests.factories import Factory, OnlineApp
from tests.oauth.wallet import (
    TestWallet,
    get_code,
    introspect,
    pkce_pair,
    refresh,
    tokens_for,
)

pytestmark = pytest.mark.portable

WALLET_TABLES = (
    "wallet_users",
    "wallet_sessions",
    "user_authorizations",
    "oauth_codes",
    "oauth_token_families",
    "oauth_refresh_tokens",
    "oauth_signing_keys",
    "audit_events",
    "alerts",
)


def test_the_metadata_lists_exactly_what_is_supported(client: Any, services: Services) -> None:
    response = client.get("/.well-known/oauth-authorization-server")
    assert response.status_code == 200
    meta = response.json()
    base = services.settings.public_url
    assert meta["issuer"] == base
    assert meta["code_challenge_methods_supported"] == ["S256"]
    assert sorted(meta["grant_types_supported"]) == ["authorization_code", "refresh_token"]
    assert meta["response_types_supported"] == ["code"]
    assert meta["siwe_nonce_endpoint"] == f"{base}/oauth/siwe/nonce"
    assert meta["siwe_sign_in_endpoint"] == f"{base}/oauth/siwe/sign-in"
    for name, path in {
        "authorization_endpoint": "/oauth/authorize",
        "token_endpoint": "/oauth/token",
        "revocation_endpoint": "/oauth/revoke",
        "introspection_endpoint": "/oauth/introspect",
        "userinfo_endpoint": "/oauth/userinfo",
        "jwks_uri": "/oauth/jwks",
    }.items():
        assert meta[name] == base + path
    assert "plain" not in str(meta["code_challenge_methods_supported"])
    assert set(meta["token_endpoint_auth_methods_supported"]) == {
        "client_secret_basic",
        "client_secret_post",
        "none",
    }
    assert "none" not in meta["introspection_endpoint_auth_methods_supported"]
    assert "none" not in meta["revocation_endpoint_auth_methods_supported"]
    assert meta["access_token_signing_alg_values_supported"] == ["ES256"]
    assert "extended:email" in meta["scopes_supported"]
    assert meta["siwe_chain_ids_supported"] == [31337]


def test_every_advertised_endpoint_exists(client: Any) -> None:
    meta = client.get("/.well-known/oauth-authorization-server").json()
    assert client.get(meta["jwks_uri"]).status_code == 200
    assert client.get(meta["siwe_nonce_endpoint"]).status_code == 200
    for name in ("token_endpoint", "revocation_endpoint", "introspection_endpoint"):
        assert client.post(meta[name], data={}).status_code in (400, 401), name
    assert client.get(meta["userinfo_endpoint"]).status_code == 401
    assert client.get(meta["authorization_endpoint"]).status_code == 400


def actions(services: Services, *actors: str, app_id: str) -> list[str]:
    with services.transaction() as session:
        return list(
            session.scalars(
                select(AuditEvent.action)
                .where((AuditEvent.app_id == app_id) | AuditEvent.actor_id.in_(actors))
                .order_by(AuditEvent.id)
            )
        )


def test_the_wallet_login_is_audited(client: Any, mini: OnlineApp, services: Services) -> None:
    wallet = TestWallet(client)
    user_id = wallet.sign_in()["user_id"]
    tokens = tokens_for(client, mini, wallet)
    refreshed = refresh(client, mini, tokens["refresh_token"]).json()
    client.post(
        "/oauth/revoke",
        data={"token": refreshed["refresh_token"]},
        auth=(mini.app_id, mini.client_secret),
    )
    grants = client.get("/api/v1/wallet/authorizations").json()
    assert len(grants) == 1
    assert grants[0]["devices"] == []
    audited = actions(services, user_id, app_id=mini.app_id)
    for action in ("wallet.signed_in", "oauth.grant_created", "oauth.token_revoked"):
        assert action in audited, (action, audited)
    with services.transaction() as session:
        created = session.scalars(
            select(AuditEvent).where(
                AuditEvent.action == "oauth.grant_created", AuditEvent.app_id == mini.app_id
            )
        ).one()
        signed = session.scalars(
            select(AuditEvent).where(
                AuditEvent.action == "wallet.signed_in", AuditEvent.actor_id == user_id
            )
        ).first()
    assert created.app_id == mini.app_id
    assert created.target_type == "authorization"
    assert signed is not None
    assert wallet.address in signed.summary
    assert signed.ip is not None


def test_a_wallet_users_own_actions_are_audited_as_that_user(
    client: Any, mini: OnlineApp, factory: Factory
) -> None:
    """Sign-in, consent, revocation and sign-out name the wallet user as the actor (they were
    recorded as the platform itself, actor type and role ``system``)."""
    wallet = TestWallet(client)
    user_id = wallet.sign_in()["user_id"]
    tokens_for(client, mini, wallet)
    grant = client.get("/api/v1/wallet/authorizations").json()[0]
    revoked = client.delete(
        f"/api/v1/wallet/authorizations/{grant['id']}",
        headers={"X-CSRF-Token": wallet.csrf_token},
    )
    assert revoked.status_code == 204, revoked.text
    page = client.get(
        "/api/v1/admin/audit-events",
        params={"actor_id": user_id},
        headers=factory.operator().headers,
    )
    assert page.status_code == 200, page.text
    events = page.json()["items"]
    assert {"wallet.signed_in", "oauth.grant_created", "oauth.grant_revoked"} <= {
        e["action"] for e in events
    }
    assert {(e["actor_type"], e["actor_role"]) for e in events} == {("user", "wallet_user")}


def test_tokens_codes_and_sessions_are_stored_only_as_hashes(
    client: Any, factory: Factory, mini: OnlineApp, services: Services
) -> None:
    wallet = TestWallet(client)
    signed = wallet.sign_in()
    secrets = [signed["session_token"], signed["csrf_token"], mini.client_secret]
    issued = tokens_for(client, mini, wallet)
    secrets += [issued["access_token"], issued["refresh_token"]]
    newer = refresh(client, mini, issued["refresh_token"]).json()
    secrets += [newer["access_token"], newer["refresh_token"]]
    # a code that was never exchanged, and the access token's signature and payload
    verifier, challenge = pkce_pair()
    code = get_code(client, wallet, mini, challenge)
    secrets += [code, verifier]
    secrets += issued["access_token"].split(".")[1:]
    assert introspect(client, mini, newer["access_token"])["active"] is True

    with services.transaction() as session:
        dumped = []
        for table in (*WALLET_TABLES, "mini_programs"):
            rows = session.execute(text(f"SELECT * FROM {table}")).all()  # noqa: S608
            dumped.append(repr(rows))
    everything = "\n".join(dumped)
    for secret in secrets:
        assert secret not in everything
