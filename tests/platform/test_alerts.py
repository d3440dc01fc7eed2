"""Alerts fold repeats into one open alert; operators list and resolve them."""

from __future__ import annotations

from typing import Any

import pytest

from chainless.platform.alerts.service import Level, raise_alert
from chainless.platform.core.permissions import Role
from tests.factories import Factory

pytestmark = pytest.mark.portable


def test_repeats_fold_and_operators_resolve(client: Any, services: Any, factory: Factory) -> None:
    with services.transaction() as session:
        raise_alert(session, kind="test.burst", subject="ip:1.2.3.4", summary="burst")
        raise_alert(
            session, kind="test.burst", subject="ip:1.2.3.4", summary="burst", level=Level.SEVERE
        )
        raise_alert(session, kind="test.burst", subject="ip:5.6.7.8", summary="burst")
    devops = factory.staff(Role.PLATFORM_DEVOPS)
    alerts = client.get(
        "/api/v1/admin/alerts", headers=devops.headers, params={"kind": "test.burst"}
    ).json()
    assert len(alerts) == 2
    folded = next(a for a in alerts if a["subject"] == "ip:1.2.3.4")
    assert folded["count"] == 2
    assert folded["level"] == 85
    severe_only = client.get(
        "/api/v1/admin/alerts", headers=devops.headers, params={"min_level": 85}
    ).json()
    assert [a["subject"] for a in severe_only] == ["ip:1.2.3.4"]

    resolved = client.post(f"/api/v1/admin/alerts/{folded['id']}/resolve", headers=devops.headers)
    assert resolved.status_code == 200
    again = client.post(f"/api/v1/admin/alerts/{folded['id']}/resolve", headers=devops.headers)
    assert again.status_code == 409
    assert again.json()["code"] == "alert_resolved"
    with services.transaction() as session:  # a new burst after resolution opens a new alert
        raise_alert(session, kind="test.burst", subject="ip:1.2.3.4", summary="burst")
    reopened = client.get(
        "/api/v1/admin/alerts", headers=devops.headers, params={"kind": "test.burst"}
    ).json()
    assert sorted(a["count"] for a in reopened) == [1, 1]


def test_developers_cannot_see_alerts(client: Any, factory: Factory) -> None:
    developer = factory.developer()
    response = client.get("/api/v1/admin/alerts", headers=developer.headers)
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert client.get("/api/v1/admin/alerts").status_code == 401


def test_resolved_alerts_are_listed_apart(client: Any, services: Any, factory: Factory) -> None:
    with services.transaction() as session:
        done = raise_alert(session, kind="test.split", subject="a", summary="done")
        raise_alert(session, kind="test.split", subject="b", summary="still open")
        session.flush()
        done_id = done.id
    operator = factory.operator()
    resolved = client.post(f"/api/v1/admin/alerts/{done_id}/resolve", headers=operator.headers)
    assert resolved.status_code == 200
    listed = client.get(
        "/api/v1/admin/alerts",
        headers=operator.headers,
        params={"kind": "test.split", "open_only": "false", "resolved_only": "true"},
    ).json()
    assert [a["summary"] for a in listed] == ["done"]
    both = client.get(
        "/api/v1/admin/alerts",
        headers=operator.headers,
        params={"kind": "test.split", "resolved_only": "true"},
    )
    assert both.status_code == 422
    assert both.json()["code"] == "invalid_filter"
