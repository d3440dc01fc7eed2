"""Rate limits through HTTP: per API key, per app, per account and per client IP."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from chainless.platform.models import ApiKey, AuditEvent
from tests.factories import Factory
from tests.platform.apikeys_helpers import call_self, create_app, create_key, keys_url

pytestmark = pytest.mark.portable


def assert_rate_limited(response: Any, *, limit: str, count: int, period: int) -> None:
    assert response.status_code == 429, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "rate_limited"
    assert response.json()["limit"] == limit
    assert int(response.headers["Retry-After"]) >= 1
    assert response.headers["RateLimit-Limit"] == str(count)
    assert response.headers["RateLimit-Remaining"] == "0"
    assert response.headers["RateLimit-Policy"] == f"{count};w={period}"
    assert 0 < int(response.headers["RateLimit-Reset"]) <= period


def test_a_key_is_held_to_its_own_limit(client: Any, factory: Factory, services: Any) -> None:
    dev = factory.developer(approved=True)
    app_id = create_app(services, dev)
    key = create_key(client, dev, app_id, rate_limit={"calls": 3, "per": "minute"})
    other = create_key(client, dev, app_id, name="other", rate_limit={"calls": 3, "per": "minute"})

    answers = [call_self(client, app_id, key["key"]) for _ in range(3)]
    assert [r.status_code for r in answers] == [200, 200, 200]
    assert [r.headers["RateLimit-Remaining"] for r in answers] == ["2", "1", "0"]
    assert [r.json()["rate_limit"]["remaining"] for r in answers] == [2, 1, 0]
    assert all(r.headers["RateLimit-Policy"] == "3;w=60" for r in answers)

    refused = call_self(client, app_id, key["key"])
    assert_rate_limited(refused, limit="api_key", count=3, period=60)
    wait = int(refused.headers["Retry-After"])  # one call per 20 s comes back
    assert 18 <= wait <= 20  # less the time the three calls took on a slow machine
    for _ in range(5):  # hammering while refused does not push the next call further away
        assert int(call_self(client, app_id, key["key"]).headers["Retry-After"]) <= wait

    assert call_self(client, app_id, other["key"]).status_code == 200  # each key has its own bucket
    assert client.get(keys_url(app_id), headers=dev.headers).status_code == 200  # and the console


def test_all_keys_of_an_app_share_the_app_limit(
    client: Any, factory: Factory, services: Any
) -> None:
    services.settings.rate_limits.per_app_per_minute = 4
    dev = factory.developer(approved=True)
    app_id, other_app = create_app(services, dev), create_app(services, dev, name="Other")
    first = create_key(client, dev, app_id, rate_limit={"calls": 100, "per": "minute"})
    second = create_key(
        client, dev, app_id, name="second", rate_limit={"calls": 100, "per": "minute"}
    )
    elsewhere = create_key(client, dev, other_app, rate_limit={"calls": 100, "per": "minute"})

    tokens = [first["key"], second["key"]] * 2
    assert [call_self(client, app_id, t).status_code for t in tokens] == [200] * 4
    assert_rate_limited(call_self(client, app_id, second["key"]), limit="app", count=4, period=60)
    assert call_self(client, other_app, elsewhere["key"]).status_code == 200


def test_an_exhausted_account_changes_nothing(client: Any, factory: Factory, services: Any) -> None:
    services.settings.rate_limits.per_ip_per_minute = 3  # the per-caller limit of accounts
    # not approved: approval is an authenticated call and would spend one of the three
    dev = factory.developer()
    app_id = create_app(services, dev)
    listed = client.get(keys_url(app_id), headers=dev.headers)
    assert listed.headers["RateLimit-Limit"] == "3"  # successful answers carry the headers too
    assert listed.headers["RateLimit-Remaining"] == "2"
    create_key(client, dev, app_id, name="one")
    create_key(client, dev, app_id, name="two")

    refused = client.post(
        keys_url(app_id),
        headers=dev.headers,
        json={"name": "three", "environment": "dev", "scopes": ["data:read"]},
    )
    assert_rate_limited(refused, limit="account", count=3, period=60)
    with services.transaction() as session:
        names = session.scalars(select(ApiKey.name).where(ApiKey.app_id == app_id)).all()
        created_events = session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.app_id == app_id, AuditEvent.action == "api_key.created")
        )
    assert sorted(names) == ["one", "two"]
    assert created_events == 2


def test_sign_in_is_limited_per_client_ip(client: Any, services: Any) -> None:
    """The per-IP sign-in limit comes from the settings (20 a minute by default); a small one
    here, so a slow machine's argon2 checks cannot refill the bucket faster than the test spends."""
    services.settings.rate_limits.login_per_ip_per_minute = 4
    attempt = {"email": "nobody@example.com", "password": "not-the-password-1"}
    answers = []
    while len(answers) < 20 and (not answers or answers[-1].status_code == 401):
        answers.append(client.post("/api/v1/auth/tokens", json=attempt))
    assert len(answers) >= 5
    assert_rate_limited(answers[-1], limit="sign_in", count=4, period=60)
