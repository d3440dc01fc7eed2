"""Audit log search: operators search the whole log, an app's team reads that app's events."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest

from chainless.platform.core.clock import utcnow
from chainless.platform.core.permissions import Role
from chainless.platform.core.services import Services
from tests.factories import Factory
from tests.platform.permission_helpers import (
    add_app_operator,
    insert_api_key,
    insert_app,
    insert_audit_event,
    key_headers,
)

pytestmark = pytest.mark.portable

ADMIN = "/api/v1/admin/audit-events"


def app_url(app_id: str) -> str:
    return f"/api/v1/apps/{app_id}/audit-events"


def ids(response: Any) -> list[int]:
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["items"]]


def test_operators_filter_by_every_field(client: Any, factory: Factory, services: Services) -> None:
    operator = factory.operator()
    tag = uuid.uuid4().hex[:8]  # keeps this test's events apart from the factories' own
    now = utcnow()
    created = insert_audit_event(
        services,
        action=f"{tag}.created",
        actor_id="alice",
        target_type="app",
        target_id="t1",
        app_id="app-one",
        summary="Created the Demo app",
        occurred_at=now - timedelta(days=3),
    )
    updated = insert_audit_event(
        services,
        action=f"{tag}.updated",
        actor_id="bob",
        target_type="app",
        target_id="t1",
        app_id="app-one",
        summary="Changed 100% of the icon",
        occurred_at=now - timedelta(days=1),
    )
    other = insert_audit_event(
        services,
        action=f"{tag}x.created",
        actor_id="alice",
        target_type="api_key",
        target_id="k9",
        app_id="app-two",
        summary="created key",
        occurred_at=now,
    )

    def search(**params: Any) -> list[int]:
        return ids(client.get(ADMIN, params=params, headers=operator.headers))

    assert search(action=f"{tag}*") == [other, updated, created]  # newest first
    assert search(action=f"{tag}.*") == [updated, created]
    assert search(action=f"{tag}.created") == [created]
    assert search(action=f"{tag}*", actor_id="alice") == [other, created]
    assert search(action=f"{tag}*", target_type="api_key") == [other]
    assert search(action=f"{tag}*", target_id="t1") == [updated, created]
    assert search(action=f"{tag}*", app_id="app-two") == [other]
    assert search(action=f"{tag}*", q="demo") == [created]  # case-insensitive
    assert search(action=f"{tag}*", q="100%") == [updated]  # % is a character, not a wildcard
    assert search(action=f"{tag}*", q="1_0") == []
    since, until = (now - timedelta(days=2)).isoformat(), (now - timedelta(hours=1)).isoformat()
    assert search(action=f"{tag}*", since=since) == [other, updated]
    assert search(action=f"{tag}*", until=until) == [updated, created]
    assert search(action=f"{tag}*", since=since, until=until) == [updated]
    naive = (now - timedelta(days=2)).replace(tzinfo=None).isoformat()
    assert search(action=f"{tag}*", since=naive) == [other, updated]  # no offset: UTC

    item = client.get(ADMIN, params={"action": f"{tag}.created"}, headers=operator.headers)
    event = item.json()["items"][0]
    assert event["summary"] == "Created the Demo app"
    assert {"ip", "user_agent", "request_id", "changes", "actor_role"} <= event.keys()


def test_prefix_wildcards_are_literal_except_the_trailing_star(
    client: Any, factory: Factory, services: Services
) -> None:
    operator = factory.operator()
    tag = uuid.uuid4().hex[:8]
    literal = insert_audit_event(services, action=f"{tag}_a.done")
    insert_audit_event(services, action=f"{tag}xa.done")
    found = client.get(ADMIN, params={"action": f"{tag}_a*"}, headers=operator.headers)
    assert ids(found) == [literal]
    for bad in ("app.*.created", "**", "app**"):
        response = client.get(ADMIN, params={"action": bad}, headers=operator.headers)
        assert response.status_code == 422, bad
        assert response.json()["code"] == "invalid_filter"


def test_keyset_pagination_walks_every_event_once(
    client: Any, factory: Factory, services: Services
) -> None:
    operator = factory.operator()
    tag = uuid.uuid4().hex[:8]
    inserted = [
        insert_audit_event(services, action=f"{tag}.step", summary=str(i)) for i in range(5)
    ]
    pages, cursor = [], None
    while True:
        params: dict[str, Any] = {"action": f"{tag}.step", "limit": 2}
        if cursor is not None:
            params["cursor"] = cursor
        response = client.get(ADMIN, params=params, headers=operator.headers)
        pages.append(ids(response))
        cursor = response.json()["next_cursor"]
        if cursor is None:
            break
        # an event appended meanwhile does not shift the pages already being walked
        insert_audit_event(services, action=f"{tag}.step", summary="late")
    assert pages == [inserted[4:2:-1], inserted[2:0:-1], inserted[:1]]


def test_bad_query_parameters_are_422(client: Any, factory: Factory) -> None:
    operator = factory.operator()
    now = utcnow()
    for params in (
        {"limit": 201},
        {"limit": 0},
        {"cursor": 0},
        {"since": "yesterday"},
        {"since": now.isoformat(), "until": (now - timedelta(days=1)).isoformat()},
    ):
        response = client.get(ADMIN, params=params, headers=operator.headers)
        assert response.status_code == 422, params
        assert response.headers["content-type"] == "application/problem+json"


def test_the_whole_log_is_for_audit_readers_only(client: Any, factory: Factory) -> None:
    dev, tech = factory.developer(), factory.staff(Role.PLATFORM_TECH)
    for caller in (dev, tech):
        response = client.get(ADMIN, headers=caller.headers)
        assert response.status_code == 403
        assert response.json()["code"] == "permission_denied"
    assert client.get(ADMIN).status_code == 401
    devops = factory.staff(Role.PLATFORM_DEVOPS)
    assert client.get(ADMIN, headers=devops.headers).status_code == 200


def test_an_app_team_sees_only_its_apps_events(
    client: Any, factory: Factory, services: Services
) -> None:
    owner, member, operator = factory.developer(), factory.developer(), factory.operator()
    app_id, other_app = insert_app(services, owner), insert_app(services, owner)
    add_app_operator(services, app_id, member)
    mine = insert_audit_event(
        services,
        action="app.updated",
        app_id=app_id,
        actor_id=owner.id,
        actor_role="developer",
        ip="203.0.113.7",
        user_agent="curl",
    )
    by_staff = insert_audit_event(
        services,
        action="app.delisted",
        app_id=app_id,
        actor_id=operator.id,
        actor_role="platform_operator",
        summary="delisted after reports",
    )
    insert_audit_event(services, action="app.updated", app_id=other_app, actor_id=owner.id)
    insert_audit_event(services, action="account.signed_in", actor_id=owner.id)

    for caller in (owner, member, operator):
        response = client.get(app_url(app_id), headers=caller.headers)
        assert ids(response) == [by_staff, mine]
    items = client.get(app_url(app_id), headers=owner.headers).json()["items"]
    assert "ip" not in items[0]
    assert "user_agent" not in items[0]
    assert items[0]["actor_id"] is None  # staff appear by role only
    assert items[0]["actor_role"] == "platform_operator"
    assert items[1]["actor_id"] == owner.id
    filtered = client.get(app_url(app_id), params={"action": "app.delisted"}, headers=owner.headers)
    assert ids(filtered) == [by_staff]
    token = insert_api_key(services, app_id, owner, ["data:read"])
    assert ids(client.get(app_url(app_id), headers=key_headers(token))) == [by_staff, mine]
    analytics_only = insert_api_key(services, app_id, owner, ["analytics:read"])
    assert client.get(app_url(app_id), headers=key_headers(analytics_only)).status_code == 403


def test_another_developer_cannot_read_an_apps_events(
    client: Any, factory: Factory, services: Services
) -> None:
    owner, stranger = factory.developer(), factory.developer()
    app_id = insert_app(services, owner)
    insert_audit_event(services, action="app.updated", app_id=app_id, actor_id=owner.id)
    theirs = client.get(app_url(app_id), headers=stranger.headers)
    missing = client.get(app_url("0" * 32), headers=stranger.headers)
    assert theirs.status_code == missing.status_code == 404
    assert theirs.json()["code"] == missing.json()["code"] == "app_not_found"
    assert client.get(ADMIN, params={"app_id": app_id}, headers=stranger.headers).status_code == 403
    other_app = insert_app(services, stranger)
    foreign_key = insert_api_key(services, other_app, stranger, ["data:read"])
    assert client.get(app_url(app_id), headers=key_headers(foreign_key)).status_code == 404
