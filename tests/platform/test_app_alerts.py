"""An app's team reads the alerts raised about its app, and only those."""

from __future__ import annotations

from typing import Any

import pytest

from chainless.platform.alerts.service import Level, raise_alert
from chainless.platform.core.clock import utcnow
from chainless.platform.core.services import Services
from chainless.platform.models import Alert
from tests.factories import Factory
from tests.platform.permission_helpers import (
    add_app_operator,
    insert_api_key,
    insert_app,
    key_headers,
)

pytestmark = pytest.mark.portable


def url(app_id: str) -> str:
    return f"/api/v1/apps/{app_id}/alerts"


def _raise(services: Services, app_id: str | None, subject: str, level: Level) -> int:
    with services.transaction() as session:
        alert = raise_alert(
            session,
            kind="relay.app_burst",
            subject=subject,
            summary=f"burst through {subject}",
            level=level,
            app_id=app_id,
            details={"per_minute": 900},
        )
        session.flush()
        return alert.id


def ids(response: Any) -> list[int]:
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["items"]]


def test_the_team_sees_its_apps_alerts_newest_first(
    client: Any, factory: Factory, services: Services
) -> None:
    owner, member = factory.developer(), factory.developer()
    app_id, other_app = insert_app(services, owner), insert_app(services, owner)
    add_app_operator(services, app_id, member)
    warning = _raise(services, app_id, "a", Level.WARNING)
    severe = _raise(services, app_id, "b", Level.SEVERE)
    _raise(services, other_app, "c", Level.URGENT)
    _raise(services, None, "ip:203.0.113.9", Level.URGENT)  # the platform's own: no app

    for caller in (owner, member, factory.operator()):
        assert ids(client.get(url(app_id), headers=caller.headers)) == [severe, warning]
    item = client.get(url(app_id), headers=owner.headers).json()["items"][0]
    assert item["summary"] == "burst through b"
    assert item["level"] == 85
    assert item["details"] == {"per_minute": 900}
    assert "resolved_by" not in item
    assert "app_id" not in item

    severe_only = client.get(url(app_id), params={"min_level": 85}, headers=owner.headers)
    assert ids(severe_only) == [severe]
    with services.transaction() as session:
        found = session.get(Alert, warning)
        assert found is not None
        found.resolved_at = utcnow()
    open_only = client.get(url(app_id), params={"open_only": "true"}, headers=owner.headers)
    assert ids(open_only) == [severe]
    token = insert_api_key(services, app_id, owner, ["data:read"])
    assert ids(client.get(url(app_id), headers=key_headers(token))) == [severe, warning]


def test_pages_walk_every_alert_once(client: Any, factory: Factory, services: Services) -> None:
    owner = factory.developer()
    app_id = insert_app(services, owner)
    raised = [_raise(services, app_id, f"s{n}", Level.WARNING) for n in range(5)]
    seen: list[int] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = client.get(url(app_id), params=params, headers=owner.headers)
        seen += ids(page)
        cursor = page.json()["next_cursor"]
        if cursor is None:
            break
    assert seen == sorted(raised, reverse=True)


def test_another_developer_gets_a_404(client: Any, factory: Factory, services: Services) -> None:
    owner, stranger = factory.developer(), factory.developer()
    app_id = insert_app(services, owner)
    _raise(services, app_id, "a", Level.SEVERE)
    theirs = client.get(url(app_id), headers=stranger.headers)
    missing = client.get(url("0" * 32), headers=stranger.headers)
    assert theirs.status_code == missing.status_code == 404
    assert theirs.json()["code"] == missing.json()["code"] == "app_not_found"
    foreign_key = insert_api_key(services, insert_app(services, stranger), stranger, ["data:read"])
    assert client.get(url(app_id), headers=key_headers(foreign_key)).status_code == 404
    analytics_only = insert_api_key(services, app_id, owner, ["analytics:read"])
    denied = client.get(url(app_id), headers=key_headers(analytics_only))
    assert denied.status_code == 403
    assert denied.json()["code"] == "permission_denied"
    assert client.get(url(app_id)).status_code == 401


@pytest.mark.parametrize(
    "params",
    [
        {"limit": 0},
        {"limit": 201},
        {"min_level": -1},
        {"min_level": 101},
        {"cursor": 0},
        {"cursor": "abc"},
        {"cursor": 2**63},
        {"open_only": "maybe"},
    ],
)
def test_bad_query_parameters_are_422(
    client: Any, factory: Factory, services: Services, params: dict[str, Any]
) -> None:
    owner = factory.developer()
    app_id = insert_app(services, owner)
    response = client.get(url(app_id), params=params, headers=owner.headers)
    assert response.status_code == 422, response.text
    assert response.json()["code"] == "validation_error"
