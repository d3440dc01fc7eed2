"""Refresh tokens (RFC 6749 §6, RFC 9700 §4.14.2): rotated on every use, reuse detected."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select, update

from chainless.oauth.models import RefreshToken, TokenFamily, UserAuthorization
from chainless.platform.core.clock import utcnow
from chainless.platform.core.services import Services
from chainless.platform.core.settings import Settings
from chainless.platform.models import Alert, AuditEvent
from tests.factories import Factory, OnlineApp, online_app
from tests.oauth.wallet import TestWallet, introspect, refresh, tokens_for

pytestmark = pytest.mark.portable

SCOPES = ("basic:address", "basic:user_id", "transaction:broadcast")


@pytest.fixture
def mini(factory: Factory) -> OnlineApp:
    return online_app(factory, scopes=SCOPES)


def assert_invalid_grant(response: Any) -> None:
    assert response.status_code == 400, response.text
    assert response.json()["error"] == "invalid_grant"
    assert response.headers["cache-control"] == "no-store"


def age_rotation(services: Services, token: str, seconds: int) -> None:
    """Pretend the token was rotated ``seconds`` ago."""
    with services.transaction() as session:
        session.execute(
            update(RefreshToken)
            .where(RefreshToken.token_hash == services.hasher.hash(token))
            .values(rotated_at=utcnow() - timedelta(seconds=seconds))
        )


def test_every_refresh_rotates_the_refresh_token(
    client: Any, mini: OnlineApp, wallet: TestWallet, services: Services
) -> None:
    tokens = tokens_for(client, mini, wallet)
    seen = {tokens["refresh_token"]}
    current = tokens["refresh_token"]
    for _ in range(3):
        response = refresh(client, mini, current)
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["refresh_token"] not in seen
        assert introspect(client, mini, body["access_token"])["active"] is True
        assert introspect(client, mini, current) == {"active": False}  # rotated away
        seen.add(body["refresh_token"])
        age_rotation(services, current, 3600)
        current = body["refresh_token"]
    assert introspect(client, mini, current)["active"] is True
    with services.transaction() as session:
        rows = session.scalars(
            select(RefreshToken)
            .join(TokenFamily, TokenFamily.id == RefreshToken.family_id)
            .where(TokenFamily.app_id == mini.app_id)
        ).all()
        assert len(rows) == 4
        assert sum(row.rotated_at is None for row in rows) == 1
        assert len({row.family_id for row in rows}) == 1


def test_a_reused_refresh_token_revokes_the_whole_family(
    client: Any, mini: OnlineApp, wallet: TestWallet, services: Services
) -> None:
    tokens = tokens_for(client, mini, wallet)
    rotated = refresh(client, mini, tokens["refresh_token"]).json()
    newest = refresh(client, mini, rotated["refresh_token"]).json()
    other_device = tokens_for(client, mini, wallet)  # another family of the same grant
    age_rotation(services, tokens["refresh_token"], 3600)

    assert_invalid_grant(refresh(client, mini, tokens["refresh_token"]))

    for token in (tokens, rotated, newest):
        assert introspect(client, mini, token["access_token"]) == {"active": False}
    assert_invalid_grant(refresh(client, mini, newest["refresh_token"]))
    assert introspect(client, mini, other_device["access_token"])["active"] is True
    assert refresh(client, mini, other_device["refresh_token"]).status_code == 200
    userinfo = client.get(
        "/oauth/userinfo", headers={"Authorization": f"Bearer {newest['access_token']}"}
    )
    assert userinfo.status_code == 401
    with services.transaction() as session:
        alerts = session.scalars(
            select(Alert).where(Alert.kind == "oauth.refresh_reuse", Alert.app_id == mini.app_id)
        ).all()
        assert len(alerts) == 1
        events = session.scalars(
            select(AuditEvent).where(
                AuditEvent.action == "oauth.refresh_reused", AuditEvent.app_id == mini.app_id
            )
        ).all()
        assert len(events) == 1
        revoked = session.scalars(
            select(TokenFamily).where(
                TokenFamily.revoked_at.is_not(None), TokenFamily.app_id == mini.app_id
            )
        )
        assert [family.revoked_reason for family in revoked] == ["refresh_reuse"]


def test_reuse_within_the_grace_window_is_honoured(
    client: Any, mini: OnlineApp, wallet: TestWallet
) -> None:
    """Two tabs refreshing at once: the second one still gets tokens, nothing is revoked."""
    tokens = tokens_for(client, mini, wallet)
    first = refresh(client, mini, tokens["refresh_token"])
    second = refresh(client, mini, tokens["refresh_token"])
    assert first.status_code == 200, first.text
    assert second.status_code == 200, second.text
    for body in (first.json(), second.json()):
        assert introspect(client, mini, body["access_token"])["active"] is True
        assert refresh(client, mini, body["refresh_token"]).status_code == 200


def test_without_a_grace_window_any_reuse_revokes(
    client: Any, mini: OnlineApp, wallet: TestWallet, settings: Settings
) -> None:
    settings.oauth.refresh_reuse_grace_seconds = 0
    tokens = tokens_for(client, mini, wallet)
    newer = refresh(client, mini, tokens["refresh_token"]).json()
    assert_invalid_grant(refresh(client, mini, tokens["refresh_token"]))
    assert introspect(client, mini, newer["access_token"]) == {"active": False}


def test_scope_may_narrow_on_refresh_but_never_widen(
    client: Any, mini: OnlineApp, wallet: TestWallet
) -> None:
    tokens = tokens_for(client, mini, wallet, scope="basic:address basic:user_id")
    narrowed = refresh(client, mini, tokens["refresh_token"], scope="basic:address")
    assert narrowed.status_code == 200, narrowed.text
    body = narrowed.json()
    assert body["scope"] == "basic:address"
    assert introspect(client, mini, body["access_token"])["scope"] == "basic:address"

    # RFC 6749 §6: the new refresh token keeps the scope of the one it replaces
    back = refresh(client, mini, body["refresh_token"])
    assert back.status_code == 200, back.text
    assert set(back.json()["scope"].split()) == {"basic:address", "basic:user_id"}

    for wider in ("basic:address transaction:broadcast", "assets:transfer", "nonsense"):
        refused = refresh(client, mini, back.json()["refresh_token"], scope=wider)
        assert refused.status_code == 400, refused.text
        assert refused.json()["error"] == "invalid_scope"


def test_refresh_after_the_user_revoked_the_grant(
    client: Any, mini: OnlineApp, wallet: TestWallet
) -> None:
    tokens = tokens_for(client, mini, wallet)
    grant = client.get("/api/v1/wallet/authorizations").json()[0]
    response = client.delete(
        f"/api/v1/wallet/authorizations/{grant['id']}",
        headers={"X-CSRF-Token": wallet.csrf_token},
    )
    assert response.status_code == 204
    assert_invalid_grant(refresh(client, mini, tokens["refresh_token"]))


def test_an_expired_refresh_token_is_invalid_grant(
    client: Any, mini: OnlineApp, wallet: TestWallet, services: Services
) -> None:
    tokens = tokens_for(client, mini, wallet)
    with services.transaction() as session:
        session.execute(update(RefreshToken).values(expires_at=utcnow() - timedelta(seconds=1)))
    assert_invalid_grant(refresh(client, mini, tokens["refresh_token"]))
    assert introspect(client, mini, tokens["refresh_token"]) == {"active": False}


@pytest.mark.parametrize(
    "token",
    ["clr_unknown", "", "x" * 5000, "clr_" + "a" * 200],
    ids=["unknown", "empty", "huge", "long"],
)
def test_a_bad_refresh_token_is_refused(client: Any, mini: OnlineApp, token: str) -> None:
    response = refresh(client, mini, token)
    assert response.status_code == 400
    assert response.json()["error"] in {"invalid_grant", "invalid_request"}


def test_refresh_drops_scopes_the_app_is_no_longer_approved_for(
    client: Any, mini: OnlineApp, wallet: TestWallet
) -> None:
    """The approved scopes can shrink (the developer drops a requested scope); tokens refreshed
    afterwards carry only what the app may still ask for."""
    tokens = tokens_for(client, mini, wallet, scope=" ".join(SCOPES))
    changed = client.patch(
        f"/api/v1/apps/{mini.app_id}",
        headers=mini.developer.headers,
        json={"requested_scopes": ["basic:address", "basic:user_id"]},
    )
    assert changed.status_code == 200, changed.text
    refreshed = refresh(client, mini, tokens["refresh_token"])
    assert refreshed.status_code == 200, refreshed.text
    assert set(refreshed.json()["scope"].split()) == {"basic:address", "basic:user_id"}
    claims = introspect(client, mini, refreshed.json()["access_token"])
    assert "transaction:broadcast" not in claims["scope"]
    asked = refresh(client, mini, refreshed.json()["refresh_token"], scope="transaction:broadcast")
    assert asked.status_code == 400
    assert asked.json()["error"] == "invalid_scope"


def test_refresh_tokens_are_stored_only_as_hashes(
    client: Any, mini: OnlineApp, wallet: TestWallet, services: Services
) -> None:
    tokens = tokens_for(client, mini, wallet)
    newer = refresh(client, mini, tokens["refresh_token"]).json()
    with services.transaction() as session:
        stored = {
            row.token_hash
            for row in session.scalars(
                select(RefreshToken)
                .join(TokenFamily, TokenFamily.id == RefreshToken.family_id)
                .where(TokenFamily.app_id == mini.app_id)
            )
        }
    assert stored == {
        services.hasher.hash(tokens["refresh_token"]),
        services.hasher.hash(newer["refresh_token"]),
    }


def test_a_refresh_records_the_use_of_its_family_and_grant(
    client: Any, mini: OnlineApp, wallet: TestWallet, services: Services
) -> None:
    """The successor, the rotation and the last use are written together (``token_writes``)."""
    first = tokens_for(client, mini, wallet)["refresh_token"]
    with services.transaction() as session:
        family = session.scalars(select(TokenFamily).where(TokenFamily.app_id == mini.app_id)).one()
        started, grant_id = family.last_used_at, family.authorization_id
    assert started is not None
    response = refresh(client, mini, first)
    assert response.status_code == 200, response.text
    with services.transaction() as session:
        family = session.scalars(select(TokenFamily).where(TokenFamily.app_id == mini.app_id)).one()
        grant = session.get(UserAuthorization, grant_id)
        old = session.scalars(
            select(RefreshToken).where(RefreshToken.token_hash == services.hasher.hash(first))
        ).one()
        new = session.scalars(
            select(RefreshToken).where(
                RefreshToken.token_hash == services.hasher.hash(response.json()["refresh_token"])
            )
        ).one()
        assert family.last_used_at is not None
        assert family.last_used_at > started
        assert grant is not None
        assert grant.last_used_at == family.last_used_at == old.rotated_at
        assert grant.expire_time == new.expires_at
        assert new.family_id == family.id
        assert new.rotated_at is None
