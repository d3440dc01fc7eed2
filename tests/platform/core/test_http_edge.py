"""Request ids, problem+json for unknown routes and methods, metrics, health and readiness."""

from __future__ import annotations

import socket
from typing import Any

import pytest

from chainless.platform.core.services import Services

pytestmark = pytest.mark.portable


def test_request_id_is_generated_or_kept(client: Any) -> None:
    generated = client.get("/healthz")
    assert len(generated.headers["x-request-id"]) == 32
    kept = client.get("/healthz", headers={"X-Request-ID": "trace-123.abc"})
    assert kept.headers["x-request-id"] == "trace-123.abc"
    replaced = client.get("/healthz", headers={"X-Request-ID": "bad id with spaces"})
    assert replaced.headers["x-request-id"] != "bad id with spaces"


def test_unknown_route_and_method_are_problems(client: Any) -> None:
    missing = client.get("/api/v1/nothing-here", headers={"X-Request-ID": "r-1"})
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"
    body = missing.json()
    assert body["code"] == "not_found"
    assert body["request_id"] == "r-1"
    assert body["instance"] == "/api/v1/nothing-here"
    wrong_method = client.delete("/healthz")
    assert wrong_method.status_code == 405
    assert wrong_method.json()["code"] == "method_not_allowed"


def test_a_405_allows_every_method_of_the_path(client: Any) -> None:
    # GET lists apps and POST creates one: two routes of one path (RFC 9110 §15.5.6)
    response = client.patch("/api/v1/apps")
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, POST"


def test_validation_errors_name_the_field(client: Any) -> None:
    response = client.post("/api/v1/accounts", json={"email": "not-an-email", "password": "x"})
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "validation_error"
    assert body["errors"][0]["location"] == ["body", "email"]
    assert body["detail"].startswith("email:")


def test_chunked_body_over_the_limit_is_refused(client: Any, services: Any) -> None:
    def chunks() -> Any:
        for _ in range(services.settings.max_body_bytes // 1024 + 2):
            yield b"a" * 1024

    response = client.post(
        "/api/v1/accounts", content=chunks(), headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 413
    assert response.json()["code"] == "payload_too_large"


def test_metrics_have_route_templates(client: Any) -> None:
    client.get("/api/v1/accounts/me")
    client.get("/healthz")
    text = client.get("/metrics").text
    assert (
        'chainless_http_request_duration_seconds_bucket{le="0.005",method="GET",route="/healthz",status="200"}'
        in text
    )
    assert 'route="/api/v1/accounts/me",status="401"' in text


def test_readiness_reports_each_dependency(
    client: Any, services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a port bound but not listening: no chain answers there, even on a machine where some other
    # process serves the default RPC URL (127.0.0.1:8545)
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as refused:
        refused.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{refused.getsockname()[1]}"
        chain = services.settings.chain.model_copy(update={"rpc_urls": [url]})
        chains = {**services.settings.chains, services.settings.chain_environment: chain}
        monkeypatch.setattr(services.settings, "chains", chains)
        response = client.get("/readyz")
    checks = response.json()["checks"]
    assert checks["database"]["ok"] is True
    assert checks["redis"]["ok"] is True
    # nothing serves the configured chain RPC in this test, so the platform is not ready
    assert checks["chain"]["ok"] is False
    assert response.status_code == 503


def test_openapi_declares_problem_responses(client: Any) -> None:
    spec = client.get("/openapi.json").json()
    register = spec["paths"]["/api/v1/accounts"]["post"]["responses"]
    assert "409" in register
    assert "application/problem+json" in register["409"]["content"]
    assert "ProblemDetail" in spec["components"]["schemas"]
    # the edge's 400 on every route; the OAuth endpoints' own RFC 6749 / RFC 6750 errors
    assert "400" in register
    token = spec["paths"]["/oauth/token"]["post"]["responses"]
    assert {"400", "401"} <= set(token)
    assert token["401"]["content"]["application/json"]["schema"]["$ref"].endswith("/OAuthError")
    assert "401" in spec["paths"]["/oauth/userinfo"]["get"]["responses"]
    assert "text/html" in spec["paths"]["/oauth/authorize"]["get"]["responses"]["400"]["content"]
    assert client.get("/docs").status_code == 200


def test_console_page_is_served_with_security_headers(client: Any) -> None:
    page = client.get("/console")
    assert page.status_code == 200
    assert "<title>Chainless console</title>" in page.text  # the app of platform/web/console
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    assert client.get("/console/verify-email?token=abc").status_code == 200
