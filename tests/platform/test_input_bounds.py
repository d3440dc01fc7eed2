"""Every value a request carries fits where it is stored (issue 12, item 6): integers in a
64-bit column, wei amounts in a uint256, and no string with a NUL (PostgreSQL cannot store
one). The OpenAPI document is walked so that a new field without its bound fails here."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from chainless.platform.core.bounded import INT64_MAX, INT64_MIN, UINT256_MAX
from tests.factories import Factory

pytestmark = pytest.mark.portable


def _request_integers(spec: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    schemas = spec["components"]["schemas"]

    def walk(
        where: str, schema: dict[str, Any], seen: frozenset[str]
    ) -> Iterator[tuple[str, dict[str, Any]]]:
        if "$ref" in schema:
            name = schema["$ref"].rsplit("/", 1)[1]
            if name not in seen:
                yield from walk(f"{where}<{name}>", schemas[name], seen | {name})
            return
        if schema.get("type") == "integer" and "enum" not in schema:
            yield where, schema
        for key in ("anyOf", "oneOf", "allOf", "prefixItems"):
            for index, part in enumerate(schema.get(key, [])):
                yield from walk(f"{where}|{index}", part, seen)
        for name, part in schema.get("properties", {}).items():
            yield from walk(f"{where}.{name}", part, seen)
        for key in ("items", "additionalProperties"):
            if isinstance(schema.get(key), dict):
                yield from walk(f"{where}[]", schema[key], seen)

    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            for parameter in operation.get("parameters", []):
                where = f"{method.upper()} {path} {parameter['in']}:{parameter['name']}"
                yield from walk(where, parameter["schema"], frozenset())
            for media in operation.get("requestBody", {}).get("content", {}).values():
                yield from walk(f"{method.upper()} {path} body", media["schema"], frozenset())


def test_every_integer_a_request_carries_is_bounded_to_64_bits(client: Any) -> None:
    integers = list(_request_integers(client.get("/openapi.json").json()))
    assert integers  # the walk finds them
    # FastAPI renders the bounds of body fields as floats: 2**63 - 1 becomes 2.0**63
    highest, lowest = float(INT64_MAX), float(INT64_MIN)
    unbounded = [
        where
        for where, schema in integers
        if schema.get("maximum", highest * 2) > highest
        or schema.get("minimum", lowest * 2) < lowest
    ]
    assert unbounded == []


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/apps?offset={n}",
        "/api/v1/admin/qualifications?offset={n}",
        "/api/v1/admin/apps/review-queue?offset={n}",
        "/api/v1/admin/audit-events?cursor={n}",
    ],
)
@pytest.mark.parametrize("n", [2**63, 10**30])
def test_pagination_beyond_64_bits_is_a_validation_problem(
    client: Any, factory: Factory, path: str, n: int
) -> None:
    operator = factory.operator()
    response = client.get(path.format(n=n), headers=operator.headers)
    assert response.status_code == 422, response.text
    assert response.json()["code"] == "validation_error"
    assert client.get(path.format(n=INT64_MAX), headers=operator.headers).status_code == 200


def _policy(**wei: str) -> dict[str, Any]:
    return {
        "max_value_wei": str(10**18),
        "max_gas_limit": 3_000_000,
        "max_fee_per_gas_wei": str(500 * 10**9),
        "user_daily_tx_limit": 1000,
        "user_daily_value_wei": str(10**20),
        "app_daily_tx_limit": 100_000,
        "app_daily_value_wei": str(10**21),
        **wei,
    }


def test_a_wei_amount_beyond_uint256_is_a_validation_problem(client: Any, factory: Factory) -> None:
    developer = factory.developer(approved=True)
    created = client.post(
        "/api/v1/apps",
        headers=developer.headers,
        json={"name": "Bounds", "description": "d", "category": "defi", "redirect_uris": []},
    )
    assert created.status_code == 201, created.text
    url = f"/api/v1/apps/{created.json()['app_id']}/relay/policy"
    too_much = client.put(
        url, headers=developer.headers, json=_policy(max_value_wei=str(UINT256_MAX + 1))
    )
    assert too_much.status_code == 422, too_much.text
    assert too_much.json()["errors"][0]["location"] == ["body", "max_value_wei"]
    most = client.put(url, headers=developer.headers, json=_policy(max_value_wei=str(UINT256_MAX)))
    assert most.status_code == 200, most.text


@pytest.mark.parametrize(
    ("method", "path", "kwargs", "location"),
    [
        (
            "POST",
            "/api/v1/accounts",
            {"json": {"email": "a@example.com", "password": "x\x00y"}},
            "body",
        ),
        (
            "POST",
            "/api/v1/auth/tokens",
            {"content": b'{"email": "a\\u0000@example.com", "password": "x"}'},
            "body",
        ),
        ("GET", "/api/v1/apps?q=a%00b", {}, "query"),
        ("GET", "/api/v1/apps/app%00x", {}, "path"),
        (
            "POST",
            "/oauth/token",
            {"data": {"grant_type": "refresh_token", "refresh_token": "a\x00"}},
            "body",
        ),
    ],
)
def test_a_nul_character_is_a_validation_problem(
    client: Any, method: str, path: str, kwargs: dict[str, Any], location: str
) -> None:
    response = client.request(method, path, **kwargs)
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["code"] == "validation_error"
    assert body["errors"][0]["location"] == [location]


def test_an_escaped_backslash_before_u0000_is_no_nul(client: Any) -> None:
    response = client.post(
        "/api/v1/auth/tokens",
        content=b'{"email": "a\\\\u0000@example.com", "password": "x"}',
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code != 422 or response.json()["errors"][0]["location"] != ["body"]
