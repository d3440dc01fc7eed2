"""Over-deep JSON is refused at the edge before any parser sees it (issue 12, item 1), on the
routes and on the paths answered ahead of the router alike."""

from __future__ import annotations

import json
from typing import Any

import pytest

from chainless.platform.core.json_depth import nesting_depth, nests_deeper_than

pytestmark = pytest.mark.portable

LIMIT = 64  # the default CHAINLESS_MAX_JSON_DEPTH


def deep(depth: int, shape: str) -> bytes:
    if shape == "array":
        return b"[" * depth + b"]" * depth
    return b'{"a":' * depth + b"1" + b"}" * depth


@pytest.mark.parametrize(
    ("method", "path", "headers"),
    [
        ("POST", "/api/v1/accounts", {}),  # the route
        ("POST", "/api/v1/auth/tokens", {}),
        ("POST", "/api/v1/relay/transactions", {"X-API-Key": "ck_unknown"}),  # ahead of routing
        ("PUT", "/api/v1/apps/app_none/relay/policy", {}),
    ],
)
@pytest.mark.parametrize("depth", [LIMIT + 1, 70_000])
@pytest.mark.parametrize("shape", ["array", "object"])
def test_deep_json_is_a_problem_and_the_app_keeps_serving(
    client: Any, method: str, path: str, headers: dict[str, str], depth: int, shape: str
) -> None:
    response = client.request(
        method,
        path,
        content=deep(depth, shape),
        headers={"Content-Type": "application/json", **headers},
    )
    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "json_too_deep"
    assert client.get("/healthz").status_code == 200


def test_a_body_without_content_type_is_scanned_too(client: Any) -> None:
    # FastAPI parses a body without a content type as JSON
    response = client.post("/api/v1/accounts", content=deep(5_000, "array"))
    assert response.json()["code"] == "json_too_deep"


def test_json_at_the_limit_reaches_the_route(client: Any) -> None:
    body = json.dumps({"email": deep(LIMIT - 1, "array").decode(), "password": "x"})
    assert nesting_depth(body.encode()) == 1  # brackets in strings do not count
    response = client.post(
        "/api/v1/accounts",
        content=b'{"email": ' + deep(LIMIT - 1, "array") + b', "password": "x"}',
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"


@pytest.mark.parametrize("path", ["/oauth/token", "/oauth/introspect", "/oauth/revoke"])
def test_deep_json_to_an_oauth_form_path_is_a_bad_request(client: Any, path: str) -> None:
    response = client.post(
        path, content=deep(70_000, "array"), headers={"Content-Type": "application/json"}
    )
    assert 400 <= response.status_code < 500
    assert client.get("/healthz").status_code == 200


def test_a_form_full_of_brackets_is_not_json(client: Any) -> None:
    response = client.post(
        "/oauth/token", data={"grant_type": "refresh_token", "refresh_token": "[" * 5_000}
    )
    assert response.status_code in (400, 401)
    assert "error" in response.json()  # RFC 6749 §5.2, not the edge's refusal


@pytest.mark.parametrize(
    ("document", "depth"),
    [
        (b"1", 0),
        (b"[]", 1),
        (b'{"a": [1, {"b": []}]}', 4),
        (b'["[[[[\\"[[", "]]]"]', 1),
        (b'["\\\\", [[]]]', 3),
        (b"[" * 70_000 + b"]" * 70_000, 70_000),
    ],
)
def test_nesting_depth_counts_brackets_outside_strings(document: bytes, depth: int) -> None:
    assert nesting_depth(document) == depth
    assert nests_deeper_than(document, depth) is False
    if depth:
        assert nests_deeper_than(document, depth - 1) is True
