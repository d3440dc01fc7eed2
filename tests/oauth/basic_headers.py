"""Malformed HTTP Basic client credentials (RFC 6749 §2.3.1, RFC 7617), by name, and the
answer they get (RFC 6749 §5.2)."""

from __future__ import annotations

import base64
from typing import Any


def basic(raw: bytes) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(raw).decode()}


def assert_invalid_client(response: Any, status: int = 401) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert body["error"] == "invalid_client", body
    return dict(body)


def malformed_headers(app_id: str) -> dict[str, dict[str, str]]:
    return {
        "non-utf8": basic(b"\xff\xfe:" + b"\xff" * 8),
        "non-utf8-secret": basic(app_id.encode() + b":\xc3\x28"),
        "no-colon": basic(app_id.encode()),
        "bad-base64": {"Authorization": "Basic %%%not-base64%%%"},
        "bad-padding": {"Authorization": "Basic YWJ"},
        "empty": {"Authorization": "Basic "},
        "empty-id": basic(b":secret"),
        "empty-secret": basic(app_id.encode() + b":"),
    }
