"""Authenticating with an API key, through HTTP (``GET /api/v1/apps/{app_id}/api-keys/self``)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from chainless.platform.apikeys.keyformat import new_key, prefix_of
from chainless.platform.core.settings import ChainEnvironment
from tests.factories import Factory
from tests.platform.apikeys_helpers import call_self, create_app, create_key, keys_url, set_key

pytestmark = pytest.mark.portable


@pytest.fixture
def dev_app(client: Any, factory: Factory, services: Any) -> tuple[Any, str]:
    dev = factory.developer(approved=True)
    return dev, create_app(services, dev)


def past(**delta: float) -> datetime:
    return datetime.now().astimezone() - timedelta(**delta)


@pytest.mark.parametrize("bearer", [False, True])
def test_a_key_says_who_it_is(client: Any, dev_app: tuple[Any, str], bearer: bool) -> None:
    dev, app_id = dev_app
    key = create_key(
        client,
        dev,
        app_id,
        scopes=["data:read", "transaction:write"],
        rate_limit={"calls": 10, "per": "minute"},
    )
    response = call_self(client, app_id, key["key"], bearer=bearer)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["id"] == key["id"]
    assert body["prefix"] == key["prefix"]
    assert body["scopes"] == ["data:read", "transaction:write"]
    assert body["rate_limit"]["calls"] == 10
    assert body["rate_limit"]["remaining"] == 9
    assert response.headers["RateLimit-Limit"] == "10"
    assert response.headers["RateLimit-Remaining"] == "9"
    assert response.headers["RateLimit-Policy"] == "10;w=60"
    assert "key" not in body


def test_expired_key_is_refused(client: Any, services: Any, dev_app: tuple[Any, str]) -> None:
    dev, app_id = dev_app
    key = create_key(client, dev, app_id)
    set_key(services, key["id"], expires_at=past(seconds=1))
    response = call_self(client, app_id, key["key"])
    assert response.status_code == 401
    assert response.json()["code"] == "api_key_expired"
    assert response.headers["content-type"] == "application/problem+json"


def test_both_keys_work_during_the_rotation_overlap_then_only_the_new(
    client: Any, services: Any, dev_app: tuple[Any, str]
) -> None:
    dev, app_id = dev_app
    old = create_key(client, dev, app_id)
    new = client.post(keys_url(app_id, f"/{old['id']}/rotate"), headers=dev.headers).json()
    assert call_self(client, app_id, old["key"]).json()["id"] == old["id"]
    assert call_self(client, app_id, new["key"]).json()["id"] == new["id"]

    set_key(services, old["id"], expires_at=past(seconds=1))  # the overlap is over
    refused = call_self(client, app_id, old["key"])
    assert refused.status_code == 401
    assert refused.json()["code"] == "api_key_expired"
    assert call_self(client, app_id, new["key"]).status_code == 200


def test_wrong_secret_with_a_real_prefix_is_invalid_even_when_revoked(
    client: Any, dev_app: tuple[Any, str]
) -> None:
    dev, app_id = dev_app
    key = create_key(client, dev, app_id)
    forged = key["prefix"] + "_" + "A" * 43
    response = call_self(client, app_id, forged)
    assert response.status_code == 401
    assert response.json()["code"] == "api_key_invalid"
    client.post(
        keys_url(app_id, f"/{key['id']}/revoke"), headers=dev.headers, json={"reason": "test"}
    )
    # a caller without the secret must not learn the key's state
    assert call_self(client, app_id, forged).json()["code"] == "api_key_invalid"
    assert call_self(client, app_id, key["key"]).json()["code"] == "api_key_revoked"


@pytest.mark.parametrize(
    "token",
    [
        "ck_",
        "ck_prod_abc",
        "ck_live_abcdefghijkl_" + "a" * 43,  # unknown environment
        "ck_prod_ABCDEFGHIJKL_" + "a" * 43,  # lookup id is lowercase
        "ck_prod_abcdefghijk_" + "a" * 43,  # lookup id too short
        "ck_prod_abcdefghijkl_" + "a" * 20,  # secret too short
        "ck_prod_abcdefghijkl_" + "a" * 43 + "!",
        "ck_prod_abcdefghijkl_" + "a" * 500,
    ],
)
def test_malformed_keys_are_invalid(client: Any, dev_app: tuple[Any, str], token: str) -> None:
    _dev, app_id = dev_app
    response = call_self(client, app_id, token, bearer=True)
    assert response.status_code == 401
    assert response.json()["code"] == "api_key_invalid"


def test_well_formed_but_unknown_key_is_invalid(client: Any, dev_app: tuple[Any, str]) -> None:
    _dev, app_id = dev_app
    response = call_self(client, app_id, new_key(ChainEnvironment.DEV).token)
    assert response.status_code == 401
    assert response.json()["code"] == "api_key_invalid"


def test_a_key_of_one_app_cannot_reach_another(
    client: Any, factory: Factory, services: Any, dev_app: tuple[Any, str]
) -> None:
    dev, app_a = dev_app
    app_b = create_app(services, dev, name="B")  # even an app of the same developer
    other_dev = factory.developer(approved=True)
    app_c = create_app(services, other_dev, name="C")
    key = create_key(client, dev, app_a)
    for app_id in (app_b, app_c):
        response = call_self(client, app_id, key["key"])
        assert response.status_code == 404
        assert response.json()["code"] == "app_not_found"
        listing = client.get(keys_url(app_id), headers={"X-API-Key": key["key"]})
        assert listing.status_code == 404


def test_self_is_only_for_api_keys(client: Any, dev_app: tuple[Any, str]) -> None:
    dev, app_id = dev_app
    response = client.get(keys_url(app_id, "/self"), headers=dev.headers)
    assert response.status_code == 403
    assert response.json()["code"] == "api_key_required"


def test_key_format_round_trip() -> None:
    for environment in ChainEnvironment:
        issued = new_key(environment)
        assert prefix_of(issued.token) == issued.prefix
        assert issued.prefix.startswith(f"ck_{environment.value}_")
        assert len(issued.token) - len(issued.prefix) - 1 >= 40
        assert len(issued.prefix) <= 24  # the column's width
        assert prefix_of(issued.token + "\n") is None
