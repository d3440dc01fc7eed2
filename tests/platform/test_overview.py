"""The operators' overview: apps by status, the review backlog and the relay's last 14 days."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest

from chainless.chain.models.relay import RelayedTransaction
from chainless.platform.core.clock import utcnow
from chainless.platform.core.permissions import Role
from chainless.platform.core.ratelimit import Limit
from chainless.platform.overview import endpoints
from tests.factories import Factory, online_app

pytestmark = pytest.mark.portable

URL = "/api/v1/admin/overview"


def _tx(app_id: str, *, kind: str = "user", state: str = "confirmed", days_ago: int = 0) -> Any:
    return RelayedTransaction(
        id=uuid.uuid4().hex,
        hash="0x" + uuid.uuid4().hex * 2,
        kind=kind,
        app_id=app_id,
        user_id="u1",
        environment="test",
        chain_id=31337,
        sender="0x" + "1" * 40,
        tx_type=2,
        nonce=0,
        value=0,
        gas_limit=21000,
        max_fee_per_gas=1,
        raw=b"\x02",
        state=state,
        created_at=utcnow() - timedelta(days=days_ago),
    )


def test_counts_apps_backlog_and_relay_days(client: Any, services: Any, factory: Factory) -> None:
    operator = factory.operator()
    before = client.get(URL, headers=operator.headers).json()
    app = online_app(factory)
    waiting = factory.developer()
    submitted = client.post(
        "/api/v1/developer/qualification",
        headers=waiting.headers,
        json={
            "organization_name": "Wait Co",
            "registration_number": "R-2",
            "country": "CN",
            "contact_name": "Li",
        },
    )
    assert submitted.status_code == 201, submitted.text
    with services.transaction() as session:
        session.add_all(
            [
                _tx(app.app_id),
                _tx(app.app_id, kind="sponsored"),
                _tx(app.app_id, state="failed"),
                _tx(app.app_id, kind="sponsored", days_ago=3),
                _tx(app.app_id, days_ago=20),  # older than the window
            ]
        )

    response = client.get(URL, headers=operator.headers)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["apps"]["online"] == before["apps"]["online"] + 1
    backlog = body["review"]["qualifications"]
    assert backlog["waiting"] == before["review"]["qualifications"]["waiting"] + 1
    assert backlog["oldest_submitted_at"] is not None
    days = body["relay"]["days"]
    assert len(days) == 14
    assert days[-1]["day"] == utcnow().date().isoformat()
    today, before_today = days[-1], before["relay"]["days"][-1]
    assert today["self_paid"] - before_today["self_paid"] == 2
    assert today["sponsored"] - before_today["sponsored"] == 1
    assert today["failed"] - before_today["failed"] == 1
    assert days[-4]["sponsored"] - before["relay"]["days"][-4]["sponsored"] == 1
    assert body["relay"]["self_paid"] - before["relay"]["self_paid"] == 2
    assert body["relay"]["sponsored"] - before["relay"]["sponsored"] == 2


def test_devops_may_read_it_and_developers_and_tech_may_not(client: Any, factory: Factory) -> None:
    assert client.get(URL, headers=factory.staff(Role.PLATFORM_DEVOPS).headers).status_code == 200
    for actor in (factory.developer(), factory.staff(Role.PLATFORM_TECH)):
        refused = client.get(URL, headers=actor.headers)
        assert refused.status_code == 403
        assert refused.json()["code"] == "permission_denied"
    assert client.get(URL).status_code == 401


def test_the_overview_is_rate_limited_per_caller(
    client: Any, factory: Factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The real limit is 30 a minute; a slow run could spread 31 calls past the window, so the
    # test holds the same limiter to two calls an hour.
    assert endpoints.OVERVIEW_LIMIT.limit == Limit("admin.overview", 30, 60)
    monkeypatch.setattr(endpoints.OVERVIEW_LIMIT, "limit", Limit("admin.overview", 2, 3600))
    operator = factory.operator()
    for _ in range(2):
        assert client.get(URL, headers=operator.headers).status_code == 200
    limited = client.get(URL, headers=operator.headers)
    assert limited.status_code == 429
    assert limited.json()["code"] == "rate_limited"
    assert limited.headers["Retry-After"]
    assert client.get(URL, headers=factory.operator().headers).status_code == 200
