"""The operators' app and developer lookup (``GET /api/v1/admin/apps?q=``)."""

from __future__ import annotations

from typing import Any

import pytest

from chainless.platform.apps import lookup_endpoints
from chainless.platform.core.permissions import Role
from chainless.platform.core.ratelimit import Limit
from tests.factories import Factory
from tests.platform.test_apps_support import approved_developer, assert_problem, create_app

pytestmark = pytest.mark.portable
LOOKUP = "/api/v1/admin/apps"


def lookup(client: Any, actor: Any, **params: Any) -> Any:
    return client.get(LOOKUP, params=params, headers=actor.headers)


def found_ids(response: Any) -> list[str]:
    assert response.status_code == 200, response.text
    return [item["app"]["app_id"] for item in response.json()["items"]]


def test_lookup_finds_apps_by_name_app_id_and_developer_email(
    client: Any, factory: Factory
) -> None:
    developer = approved_developer(factory)
    other = approved_developer(factory)
    mine = create_app(client, developer, name="Lantern Swap")["app_id"]
    theirs = create_app(client, other, name="Harbor Wallet Tools")["app_id"]
    operator = factory.operator()

    assert found_ids(lookup(client, operator, q="lantern")) == [mine]  # any case, any part
    assert found_ids(lookup(client, operator, q=theirs[:8])) == [theirs]  # an app id's start
    by_email = lookup(client, operator, q=developer.email.upper())
    assert found_ids(by_email) == [mine]
    entry = by_email.json()["items"][0]
    assert entry["developer_email"] == developer.email
    assert entry["app"]["status_name"] == "development"
    assert by_email.json()["total"] == 1
    assert found_ids(lookup(client, operator, q="no such app anywhere")) == []


def test_lookup_filters_by_status_and_pages(client: Any, factory: Factory) -> None:
    developer = approved_developer(factory)
    ids = [create_app(client, developer, name=f"Pager {n}")["app_id"] for n in range(3)]
    operator = factory.operator()
    first = lookup(client, operator, q=developer.email, limit=2)
    assert found_ids(first) == ids[::-1][:2]  # newest first
    assert (first.json()["total"], first.json()["limit"]) == (3, 2)
    assert found_ids(lookup(client, operator, q=developer.email, limit=2, offset=2)) == [ids[0]]
    assert found_ids(lookup(client, operator, q=developer.email, status=2)) == []
    assert len(found_ids(lookup(client, operator, q=developer.email, status=0))) == 3


def test_like_wildcards_are_matched_literally(client: Any, factory: Factory) -> None:
    developer = approved_developer(factory)
    create_app(client, developer, name="Plain name")
    operator = factory.operator()
    assert found_ids(lookup(client, operator, q="%%")) == []
    assert found_ids(lookup(client, operator, q="__")) == []


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"q": ""},
        {"q": "a"},
        {"q": "  "},
        {"q": "x" * 255},
        {"q": "ab", "limit": 0},
        {"q": "ab", "limit": 101},
        {"q": "ab", "offset": -1},
        {"q": "ab", "offset": 2**63},
        {"q": "ab", "status": 9},
        {"q": "ab", "status": "online"},
    ],
)
def test_bad_queries_are_validation_errors(
    client: Any, factory: Factory, params: dict[str, Any]
) -> None:
    assert_problem(lookup(client, factory.operator(), **params), 422, "validation_error")


def test_only_staff_who_read_any_app_may_look_up(client: Any, factory: Factory) -> None:
    developer = approved_developer(factory)
    create_app(client, developer, name="Secret project")
    problem = assert_problem(lookup(client, developer, q="secret"), 403, "permission_denied")
    assert problem["permission"] == "app:read:any"
    assert_problem(
        lookup(client, factory.staff(Role.PLATFORM_TECH), q="secret"), 403, "permission_denied"
    )
    assert found_ids(lookup(client, factory.staff(Role.PLATFORM_DEVOPS), q=developer.email))
    assert client.get(LOOKUP, params={"q": "secret"}).status_code == 401


def test_lookup_is_rate_limited_per_caller(
    client: Any, factory: Factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(lookup_endpoints.LOOKUP_LIMIT, "limit", Limit("admin.apps.lookup", 3, 60))
    operator, other = factory.operator(), factory.operator()
    for _ in range(3):
        assert lookup(client, operator, q="anything").status_code == 200
    limited = assert_problem(lookup(client, operator, q="anything"), 429, "rate_limited")
    assert limited["status"] == 429
    assert lookup(client, other, q="anything").status_code == 200
