"""Every problem body names its request, the unexpected 500 included (quoted in bug reports)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

pytestmark = pytest.mark.portable


@pytest.fixture
def lenient(app: Any) -> Iterator[TestClient]:
    """A client that gets the 500 answer instead of the server's exception, and a route with a
    bug behind it."""

    def broken() -> None:
        raise RuntimeError("a bug")

    app.add_api_route("/api/v1/broken", broken)
    with TestClient(app, base_url="http://testserver", raise_server_exceptions=False) as client:
        yield client


def test_an_unexpected_error_answers_with_its_request_id(lenient: TestClient) -> None:
    failed = lenient.get("/api/v1/broken", headers={"X-Request-ID": "trace-500.a"})
    assert failed.status_code == 500
    assert failed.headers["content-type"] == "application/problem+json"
    body = failed.json()
    assert (body["code"], body["request_id"]) == ("internal_error", "trace-500.a")
    assert failed.headers["x-request-id"] == "trace-500.a"
    generated = lenient.get("/api/v1/broken")
    assert generated.json()["request_id"] == generated.headers["x-request-id"]
    assert len(generated.json()["request_id"]) == 32
