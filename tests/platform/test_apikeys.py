"""Managing API keys through HTTP: create, list, rotate, revoke, the revocation list, who may."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from chainless.platform.models import ApiKey, AuditEvent
from tests.factories import Factory
from tests.platform.apikeys_helpers import (
    add_operator,
    call_self,
    create_app,
    create_key,
    keys_url,
    set_key,
)

pytestmark = pytest.mark.portable

KEY_FORMAT = re.compile(r"ck_(dev|test|prod)_[a-z0-9]{12}_[A-Za-z0-9_-]{40,}")


def audit_actions(services: Any, target_id: str) -> list[str]:
    with services.transaction() as session:
        events = session.scalars(
            select(AuditEvent).where(AuditEvent.target_id == target_id).order_by(AuditEvent.id)
        )
        return [e.action for e in events]


def test_create_shows_the_secret_once_and_stores_only_its_hash(
    client: Any, factory: Factory, services: Any
) -> None:
    dev = factory.developer(approved=True)
    app_id = create_app(services, dev)
    response = client.post(
        keys_url(app_id),
        headers=dev.headers,
        json={
            "name": " backend ",
            "environment": "test",
            "scopes": ["transaction:write", "data:read"],
            "rate_limit": {"calls": 50, "per": "minute"},
        },
    )
    assert response.status_code == 201, response.text
    assert response.headers["cache-control"] == "no-store"
    created = response.json()
    token = created["key"]
    assert KEY_FORMAT.fullmatch(token)
    assert token.startswith(created["prefix"] + "_")
    assert created["prefix"].startswith("ck_test_")
    assert len(created["prefix"]) == 20
    assert created["name"] == "backend"
    assert created["scopes"] == ["data:read", "transaction:write"]
    assert created["rate_limit"] == {"calls": 50, "per": "minute", "period_seconds": 60}
    assert created["status"] == "active"
    assert created["usage_count"] == 0
    assert created["last_used_at"] is None
    lifetime = datetime.fromisoformat(created["expires_at"]) - datetime.fromisoformat(
        created["created_at"]
    )
    assert lifetime == timedelta(days=services.settings.api_key_ttl_days)

    listed = client.get(keys_url(app_id), headers=dev.headers).json()
    one = client.get(keys_url(app_id, f"/{created['id']}"), headers=dev.headers).json()
    for shown in (listed[0], one):
        assert "key" not in shown
        assert token not in str(shown)
        assert shown["prefix"] == created["prefix"]
    with services.transaction() as session:
        row = session.get(ApiKey, created["id"])
        assert row is not None
        assert row.secret_hash == services.hasher.hash(token)
        assert token.split("_")[-1] not in repr(row.__dict__)
    assert audit_actions(services, created["id"]) == ["api_key.created"]


def test_default_rate_limit_comes_from_the_settings(
    client: Any, factory: Factory, services: Any
) -> None:
    dev = factory.developer(approved=True)
    app_id = create_app(services, dev)
    created = create_key(client, dev, app_id)
    assert created["rate_limit"] == {
        "calls": services.settings.api_key_default_rate_limit_per_hour,
        "per": "hour",
        "period_seconds": 3600,
    }


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"scopes": ["data:read", "wallet:drain"]}, "unknown_scope"),
        ({"scopes": []}, "validation_error"),
        ({"environment": "staging"}, "validation_error"),
        ({"rate_limit": {"calls": 0, "per": "hour"}}, "validation_error"),
        ({"rate_limit": {"calls": 100_001, "per": "hour"}}, "validation_error"),
        ({"rate_limit": {"calls": 10, "per": "week"}}, "validation_error"),
        ({"name": "   "}, "validation_error"),
    ],
)
def test_invalid_requests_create_nothing(
    client: Any, factory: Factory, services: Any, body: dict[str, Any], code: str
) -> None:
    dev = factory.developer(approved=True)
    app_id = create_app(services, dev)
    payload = {"name": "k", "environment": "dev", "scopes": ["data:read"]} | body
    response = client.post(keys_url(app_id), json=payload, headers=dev.headers)
    assert response.status_code == 422
    assert response.json()["code"] == code
    if code == "unknown_scope":
        assert response.json()["unknown"] == ["wallet:drain"]
    assert client.get(keys_url(app_id), headers=dev.headers).json() == []


def test_rotation_keeps_the_settings_links_both_keys_and_shortens_the_old_one(
    client: Any, factory: Factory, services: Any
) -> None:
    dev = factory.developer(approved=True)
    app_id = create_app(services, dev)
    old = create_key(
        client,
        dev,
        app_id,
        name="worker",
        scopes=["data:read", "analytics:read"],
        rate_limit={"calls": 10, "per": "day"},
    )
    response = client.post(keys_url(app_id, f"/{old['id']}/rotate"), headers=dev.headers)
    assert response.status_code == 201, response.text
    assert response.headers["cache-control"] == "no-store"
    new = response.json()
    assert new["key"] != old["key"]
    assert new["prefix"] != old["prefix"]
    for field in ("name", "environment", "scopes", "rate_limit"):
        assert new[field] == old[field]
    assert new["rotated_from_id"] == old["id"]

    old_now = client.get(keys_url(app_id, f"/{old['id']}"), headers=dev.headers).json()
    assert old_now["replaced_by_id"] == new["id"]
    overlap = timedelta(hours=services.settings.api_key_rotation_overlap_hours)
    shortened_to = datetime.fromisoformat(old_now["expires_at"])
    assert abs(shortened_to - (datetime.fromisoformat(new["created_at"]) + overlap)) < timedelta(
        seconds=5
    )
    assert old_now["status"] == "expiring"
    assert audit_actions(services, old["id"]) == ["api_key.created", "api_key.rotated"]
    assert audit_actions(services, new["id"]) == ["api_key.created"]

    again = client.post(keys_url(app_id, f"/{old['id']}/rotate"), headers=dev.headers)
    assert again.status_code == 409
    assert again.json()["code"] == "api_key_already_rotated"
    assert again.json()["replaced_by_id"] == new["id"]


def test_rotation_never_extends_an_old_key(client: Any, factory: Factory, services: Any) -> None:
    dev = factory.developer(approved=True)
    app_id = create_app(services, dev)
    old = create_key(client, dev, app_id)
    soon = datetime.now().astimezone() + timedelta(hours=1)
    set_key(services, old["id"], expires_at=soon)
    assert (
        client.post(keys_url(app_id, f"/{old['id']}/rotate"), headers=dev.headers).status_code
        == 201
    )
    shown = client.get(keys_url(app_id, f"/{old['id']}"), headers=dev.headers).json()
    assert abs(datetime.fromisoformat(shown["expires_at"]) - soon) < timedelta(seconds=1)


def test_revoke_is_immediate_listed_and_final(client: Any, factory: Factory, services: Any) -> None:
    dev = factory.developer(approved=True)
    app_id = create_app(services, dev)
    key = create_key(client, dev, app_id)
    other = create_key(client, dev, app_id, name="other")
    assert call_self(client, app_id, key["key"]).status_code == 200

    revoked = client.post(
        keys_url(app_id, f"/{key['id']}/revoke"),
        headers=dev.headers,
        json={"reason": "leaked in a log"},
    )
    assert revoked.status_code == 200
    assert revoked.json()["status"] == "revoked"
    assert revoked.json()["revoke_reason"] == "leaked in a log"
    refused = call_self(client, app_id, key["key"])
    assert refused.status_code == 401
    assert refused.json()["code"] == "api_key_revoked"
    assert call_self(client, app_id, other["key"]).status_code == 200

    revocation_list = client.get(keys_url(app_id, "/revoked"), headers=dev.headers)
    assert revocation_list.status_code == 200
    assert [(r["id"], r["prefix"]) for r in revocation_list.json()] == [(key["id"], key["prefix"])]
    assert revocation_list.json()[0]["revoked_at"]

    twice = client.post(
        keys_url(app_id, f"/{key['id']}/revoke"), headers=dev.headers, json={"reason": "again"}
    )
    assert twice.status_code == 409
    assert twice.json()["code"] == "api_key_already_revoked"
    rotate = client.post(keys_url(app_id, f"/{key['id']}/rotate"), headers=dev.headers)
    assert rotate.status_code == 409
    assert rotate.json()["code"] == "api_key_revoked"
    assert audit_actions(services, key["id"]) == ["api_key.created", "api_key.revoked"]
    missing_reason = client.post(
        keys_url(app_id, f"/{other['id']}/revoke"), headers=dev.headers, json={}
    )
    assert missing_reason.status_code == 422


def test_status_follows_expiry(client: Any, factory: Factory, services: Any) -> None:
    dev = factory.developer(approved=True)
    app_id = create_app(services, dev)
    key = create_key(client, dev, app_id)
    now = datetime.now().astimezone()
    for expires_at, status in [
        (now + timedelta(days=20), "active"),
        (now + timedelta(days=13), "expiring"),
        (now - timedelta(seconds=1), "expired"),
    ]:
        set_key(services, key["id"], expires_at=expires_at)
        shown = client.get(keys_url(app_id, f"/{key['id']}"), headers=dev.headers).json()
        assert shown["status"] == status


def test_only_the_app_developer_manages_keys(client: Any, factory: Factory, services: Any) -> None:
    dev = factory.developer(approved=True)
    app_id = create_app(services, dev)
    key = create_key(client, dev, app_id)
    operator = factory.developer()
    add_operator(services, app_id, operator)
    stranger = factory.developer(approved=True)
    staff = factory.operator()

    attempts = [
        ("get", keys_url(app_id), None),
        ("get", keys_url(app_id, "/revoked"), None),
        ("get", keys_url(app_id, f"/{key['id']}"), None),
        ("post", keys_url(app_id), {"name": "x", "environment": "dev", "scopes": ["data:read"]}),
        ("post", keys_url(app_id, f"/{key['id']}/rotate"), None),
        ("post", keys_url(app_id, f"/{key['id']}/revoke"), {"reason": "mine now"}),
    ]
    for method, url, body in attempts:
        as_operator = client.request(method.upper(), url, json=body, headers=operator.headers)
        assert as_operator.status_code == 403, url
        assert as_operator.json()["code"] == "permission_denied"
        as_stranger = client.request(method.upper(), url, json=body, headers=stranger.headers)
        assert as_stranger.status_code == 404, url
        assert as_stranger.json()["code"] == "app_not_found"
        as_staff = client.request(method.upper(), url, json=body, headers=staff.headers)
        assert as_staff.status_code == 403, url
        assert client.request(method.upper(), url, json=body).status_code == 401
    listed = client.get(keys_url(app_id), headers=dev.headers).json()
    assert [(k["id"], k["status"]) for k in listed] == [(key["id"], "active")]


def test_key_ids_of_another_app_are_not_found(client: Any, factory: Factory, services: Any) -> None:
    dev = factory.developer(approved=True)
    first, second = create_app(services, dev), create_app(services, dev, name="Second")
    key = create_key(client, dev, first)
    for method, suffix, body in [
        ("GET", "", None),
        ("POST", "/rotate", None),
        ("POST", "/revoke", {"reason": "x"}),
    ]:
        response = client.request(
            method, keys_url(second, f"/{key['id']}{suffix}"), json=body, headers=dev.headers
        )
        assert response.status_code == 404
        assert response.json()["code"] == "api_key_not_found"


def test_an_api_key_cannot_manage_keys(client: Any, factory: Factory, services: Any) -> None:
    dev = factory.developer(approved=True)
    app_id = create_app(services, dev)
    key = create_key(client, dev, app_id, scopes=["data:read", "data:write", "deploy:write"])
    as_key = {"X-API-Key": key["key"]}
    assert client.get(keys_url(app_id), headers=as_key).status_code == 403
    created = client.post(
        keys_url(app_id),
        headers=as_key,
        json={"name": "x", "environment": "dev", "scopes": ["data:read"]},
    )
    assert created.status_code == 403
    assert client.post(keys_url(app_id, f"/{key['id']}/rotate"), headers=as_key).status_code == 403
