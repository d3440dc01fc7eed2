"""The spec's permission API (3.5.7): verify, the role catalogue, staff role sync."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from chainless.platform.core.permissions import (
    API_KEY_SCOPE_PERMISSIONS,
    ROLE_PERMISSIONS,
    ApiKeyScope,
    Permission,
    Role,
)
from chainless.platform.core.services import Services
from chainless.platform.models import AccountRole, AuditEvent
from tests.factories import Actor, Factory
from tests.platform.permission_helpers import (
    add_app_operator,
    insert_api_key,
    insert_app,
    key_headers,
)

VERIFY = "/api/v1/permission/verify"
ROLES = "/api/v1/permission/roles"
SYNC = "/api/v1/permission/sync"


def verify(client: Any, headers: dict[str, str], permission: str, app_id: str | None = None) -> Any:
    body = {"permission": permission} | ({"app_id": app_id} if app_id else {})
    return client.post(VERIFY, json=body, headers=headers)


def allowed(
    client: Any, headers: dict[str, str], permission: str, app_id: str | None = None
) -> bool:
    response = verify(client, headers, permission, app_id)
    assert response.status_code == 200, response.text
    return bool(response.json()["allowed"])


def roles_of(services: Services, account_id: str) -> set[str]:
    with services.transaction() as session:
        return set(
            session.scalars(select(AccountRole.role).where(AccountRole.account_id == account_id))
        )


def synced_events(services: Services) -> list[AuditEvent]:
    with services.transaction() as session:
        return list(
            session.scalars(
                select(AuditEvent).where(AuditEvent.action == "permission.roles_synced")
            )
        )


# --- verify ---------------------------------------------------------------------------------


@pytest.mark.portable
def test_developer_holds_every_app_permission_on_its_own_app(
    client: Any, factory: Factory, services: Services
) -> None:
    dev = factory.developer()
    app_id = insert_app(services, dev)
    response = verify(client, dev.headers, "app:write", app_id)
    assert response.status_code == 200
    assert response.json() == {
        "allowed": True,
        "permission": "app:write",
        "app_id": app_id,
        "scope": "app",
        "principal": {"kind": "account", "id": dev.id},
        "roles": ["developer"],
        "scopes": [],
    }
    for permission in ROLE_PERMISSIONS[Role.DEVELOPER] - {
        Permission.QUALIFICATION_SUBMIT,
        Permission.APP_CREATE,
    }:
        assert allowed(client, dev.headers, permission.value, app_id), permission
    assert response.headers["RateLimit-Policy"] == "100;w=60"


@pytest.mark.portable
def test_app_operator_reads_but_does_not_change_the_app(
    client: Any, factory: Factory, services: Services
) -> None:
    owner, member = factory.developer(), factory.developer()
    app_id = insert_app(services, owner)
    add_app_operator(services, app_id, member)
    response = verify(client, member.headers, "app:read", app_id)
    assert response.json()["allowed"] is True
    assert response.json()["roles"] == ["app_operator", "developer"]
    assert allowed(client, member.headers, "analytics:read", app_id)
    assert not allowed(client, member.headers, "app:write", app_id)
    assert not allowed(client, member.headers, "apikey:manage", app_id)


@pytest.mark.portable
def test_a_pending_invitation_grants_nothing(
    client: Any, factory: Factory, services: Services
) -> None:
    owner, invited = factory.developer(), factory.developer()
    app_id = insert_app(services, owner)
    add_app_operator(services, app_id, invited, accepted=False)
    assert not allowed(client, invited.headers, "app:read", app_id)


@pytest.mark.portable
def test_another_developers_app_answers_like_a_nonexistent_one(
    client: Any, factory: Factory, services: Services
) -> None:
    owner, stranger = factory.developer(), factory.developer()
    app_id = insert_app(services, owner)
    ghost_id = "0" * 32
    theirs = verify(client, stranger.headers, "app:read", app_id)
    missing = verify(client, stranger.headers, "app:read", ghost_id)
    assert theirs.status_code == missing.status_code == 200
    assert theirs.json()["allowed"] is False
    assert theirs.json() | {"app_id": None} == missing.json() | {"app_id": None}


@pytest.mark.portable
def test_platform_permissions_ignore_the_app(
    client: Any, factory: Factory, services: Services
) -> None:
    dev, operator = factory.developer(), factory.operator()
    app_id = insert_app(services, dev)
    created = verify(client, dev.headers, "app:create", app_id)
    assert created.json()["allowed"] is True
    assert created.json()["scope"] == "platform"
    assert created.json()["app_id"] is None
    assert not allowed(client, dev.headers, "audit:read")
    assert allowed(client, operator.headers, "audit:read")
    # staff read any app, but hold no developer permission on it
    assert allowed(client, operator.headers, "app:read", app_id)
    assert not allowed(client, operator.headers, "app:write", app_id)


@pytest.mark.portable
def test_api_key_permissions_come_from_its_scopes_on_its_own_app(
    client: Any, factory: Factory, services: Services
) -> None:
    dev = factory.developer()
    app_id, other_app = insert_app(services, dev), insert_app(services, dev)
    headers = key_headers(insert_api_key(services, app_id, dev, ["data:read", "analytics:read"]))
    response = verify(client, headers, "app:read", app_id)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["allowed"] is True
    assert body["principal"]["kind"] == "api_key"
    assert body["roles"] == []
    assert body["scopes"] == ["analytics:read", "data:read"]
    assert allowed(client, headers, "analytics:read", app_id)
    assert not allowed(client, headers, "app:write", app_id)
    assert not allowed(client, headers, "app:read", other_app)  # even the same developer's
    assert not allowed(client, headers, "app:create")
    assert not allowed(client, headers, "audit:read")


@pytest.mark.portable
def test_unknown_permission_and_missing_app_id_are_422(client: Any, factory: Factory) -> None:
    dev = factory.developer()
    unknown = verify(client, dev.headers, "app:launch-missiles")
    assert unknown.status_code == 422
    assert unknown.headers["content-type"] == "application/problem+json"
    assert unknown.json()["code"] == "unknown_permission"
    needs_app = verify(client, dev.headers, "app:write")
    assert needs_app.status_code == 422
    assert needs_app.json()["code"] == "app_id_required"
    extra = client.post(
        VERIFY, json={"permission": "app:read", "role": "root"}, headers=dev.headers
    )
    assert extra.status_code == 422
    assert extra.json()["code"] == "validation_error"


@pytest.mark.portable
def test_verify_needs_a_valid_credential(client: Any) -> None:
    assert client.post(VERIFY, json={"permission": "app:read"}).status_code == 401
    forged = verify(client, {"Authorization": "Bearer clt_not-a-token"}, "app:read")
    assert forged.status_code == 401
    assert forged.json()["code"] == "invalid_token"


# --- roles ----------------------------------------------------------------------------------


@pytest.mark.portable
def test_roles_lists_every_role_permission_and_api_key_scope(client: Any, factory: Factory) -> None:
    tech = factory.staff(Role.PLATFORM_TECH)
    response = client.get(ROLES, headers=tech.headers)
    assert response.status_code == 200, response.text
    catalog = response.json()
    roles = {r["name"]: r for r in catalog["roles"]}
    assert set(roles) == {r.value for r in Role}
    for role in Role:
        assert roles[role.value]["description"]
        assert set(roles[role.value]["permissions"]) == {p.value for p in ROLE_PERMISSIONS[role]}
    assert roles["app_operator"]["level"] == "app"
    permissions = {p["name"]: p for p in catalog["permissions"]}
    assert set(permissions) == {p.value for p in Permission}
    assert permissions["app:write"]["app_scoped"] is True
    assert permissions["audit:read"]["app_scoped"] is False
    scopes = {s["name"]: s for s in catalog["api_key_scopes"]}
    assert set(scopes) == {s.value for s in ApiKeyScope}
    for scope, grants in API_KEY_SCOPE_PERMISSIONS.items():
        assert set(scopes[scope.value]["grants"]) == {p.value for p in grants}
        assert scopes[scope.value]["description"]


@pytest.mark.portable
def test_roles_are_for_platform_staff_only(
    client: Any, factory: Factory, services: Services
) -> None:
    dev = factory.developer()
    refused = client.get(ROLES, headers=dev.headers)
    assert refused.status_code == 403
    assert refused.json()["code"] == "permission_denied"
    app_id = insert_app(services, dev)
    as_key = client.get(
        ROLES, headers=key_headers(insert_api_key(services, app_id, dev, ["data:read"]))
    )
    assert as_key.status_code == 403


@pytest.mark.portable
def test_roles_allow_ten_calls_a_minute_per_caller(client: Any, factory: Factory) -> None:
    operator, other = factory.operator(), factory.operator()
    for _ in range(10):
        assert client.get(ROLES, headers=operator.headers).status_code == 200
    limited = client.get(ROLES, headers=operator.headers)
    assert limited.status_code == 429
    assert limited.json()["code"] == "rate_limited"
    assert int(limited.headers["Retry-After"]) >= 1
    assert client.get(ROLES, headers=other.headers).status_code == 200  # counted per caller


# --- sync -----------------------------------------------------------------------------------


def sync(client: Any, caller: Actor, assignments: list[dict[str, Any]], *, dry_run: bool) -> Any:
    return client.post(
        SYNC, json={"assignments": assignments, "dry_run": dry_run}, headers=caller.headers
    )


@pytest.mark.portable
def test_sync_dry_run_reports_the_diff_and_apply_makes_it(
    client: Any, factory: Factory, services: Services
) -> None:
    devops = factory.staff(Role.PLATFORM_DEVOPS)
    operator = factory.operator()
    dev = factory.developer()
    steady = factory.staff(Role.PLATFORM_TECH)
    assignments = [
        {"email": operator.email.upper(), "roles": ["platform_tech"]},
        {"email": dev.email, "roles": ["platform_operator"]},
        {"email": steady.email, "roles": ["platform_tech"]},
        {"email": "nobody@example.com", "roles": ["platform_devops"]},
    ]
    expected = [
        {
            "email": operator.email,
            "account_id": operator.id,
            "status": "changed",
            "roles_before": ["platform_operator"],
            "roles_after": ["platform_tech"],
            "granted": ["platform_tech"],
            "revoked": ["platform_operator"],
        },
        {
            "email": dev.email,
            "account_id": dev.id,
            "status": "changed",
            "roles_before": [],
            "roles_after": ["platform_operator"],
            "granted": ["platform_operator"],
            "revoked": [],
        },
        {
            "email": steady.email,
            "account_id": steady.id,
            "status": "unchanged",
            "roles_before": ["platform_tech"],
            "roles_after": ["platform_tech"],
            "granted": [],
            "revoked": [],
        },
        {
            "email": "nobody@example.com",
            "account_id": None,
            "status": "unknown_email",
            "roles_before": [],
            "roles_after": [],
            "granted": [],
            "revoked": [],
        },
    ]

    dry = sync(client, devops, assignments, dry_run=True)
    assert dry.status_code == 200, dry.text
    assert dry.json() == {
        "dry_run": True,
        "changes": expected,
        "unknown_emails": ["nobody@example.com"],
        "granted": 2,
        "revoked": 1,
    }
    assert roles_of(services, operator.id) == {"platform_operator"}
    assert roles_of(services, dev.id) == {"developer"}
    assert synced_events(services) == []

    applied = sync(client, devops, assignments, dry_run=False)
    assert applied.status_code == 200, applied.text
    assert applied.json()["changes"] == expected
    assert roles_of(services, operator.id) == {"platform_tech"}
    assert roles_of(services, dev.id) == {"developer", "platform_operator"}  # developer kept
    assert roles_of(services, steady.id) == {"platform_tech"}
    events = {e.target_id: e for e in synced_events(services)}
    assert set(events) == {operator.id, dev.id}
    assert events[dev.id].actor_id == devops.id
    assert events[dev.id].changes == {"roles": [[], ["platform_operator"]]}

    # the change takes effect at once: the former operator lost the review permission
    assert client.get("/api/v1/admin/qualifications", headers=operator.headers).status_code == 403
    again = sync(client, devops, assignments, dry_run=False)
    assert [c["status"] for c in again.json()["changes"]] == [
        "unchanged",
        "unchanged",
        "unchanged",
        "unknown_email",
    ]
    assert len(synced_events(services)) == 2


@pytest.mark.portable
def test_sync_never_removes_the_callers_own_devops_role(
    client: Any, factory: Factory, services: Services
) -> None:
    devops, operator = factory.staff(Role.PLATFORM_DEVOPS), factory.operator()
    assignments = [
        {"email": operator.email, "roles": []},
        {"email": devops.email, "roles": ["platform_operator"]},
    ]
    for dry_run in (True, False):
        refused = sync(client, devops, assignments, dry_run=dry_run)
        assert refused.status_code == 409
        assert refused.headers["content-type"] == "application/problem+json"
        assert refused.json()["code"] == "cannot_remove_own_role"
    assert roles_of(services, devops.id) == {"platform_devops"}
    assert roles_of(services, operator.id) == {"platform_operator"}  # nothing half-applied
    keeps_own = [{"email": devops.email, "roles": ["platform_devops", "platform_tech"]}]
    assert sync(client, devops, keeps_own, dry_run=False).status_code == 200
    assert roles_of(services, devops.id) == {"platform_devops", "platform_tech"}


@pytest.mark.portable
@pytest.mark.parametrize(
    "body",
    [
        {"assignments": [{"email": "a@example.com", "roles": ["developer"]}], "dry_run": True},
        {"assignments": [{"email": "a@example.com", "roles": ["app_operator"]}], "dry_run": True},
        {"assignments": [{"email": "not-an-email", "roles": []}], "dry_run": True},
        {
            "assignments": [
                {"email": "a@example.com", "roles": []},
                {"email": "A@example.com", "roles": ["platform_tech"]},
            ],
            "dry_run": True,
        },
        {"assignments": [], "dry_run": True},
        {"assignments": [{"email": "a@example.com", "roles": []}]},
    ],
    ids=["developer-role", "app-role", "bad-email", "duplicate-email", "empty", "no-dry-run"],
)
def test_sync_validation_errors_are_problem_json(client: Any, factory: Factory, body: Any) -> None:
    devops = factory.staff(Role.PLATFORM_DEVOPS)
    response = client.post(SYNC, json=body, headers=devops.headers)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "validation_error"
    assert response.json()["errors"]


@pytest.mark.portable
def test_sync_needs_devops_and_allows_five_calls_a_minute(client: Any, factory: Factory) -> None:
    operator, devops = factory.operator(), factory.staff(Role.PLATFORM_DEVOPS)
    body = [{"email": operator.email, "roles": ["platform_operator"]}]
    denied = sync(client, operator, body, dry_run=True)
    assert denied.status_code == 403
    assert denied.json()["code"] == "permission_denied"
    for _ in range(5):
        assert sync(client, devops, body, dry_run=True).status_code == 200
    limited = sync(client, devops, body, dry_run=True)
    assert limited.status_code == 429
    assert "Retry-After" in limited.headers
