"""Developer registration, verification, sign-in and lockout, through HTTP."""

from __future__ import annotations

from typing import Any

import pytest

from tests.factories import PASSWORD, Factory, verification_token

pytestmark = pytest.mark.portable


def register(client: Any, email: str, password: str = PASSWORD) -> Any:
    return client.post("/api/v1/accounts", json={"email": email, "password": password})


def test_register_verify_and_sign_in(client: Any, services: Any, jobs: Any) -> None:
    response = register(client, "Ada@Example.com")
    assert response.status_code == 201
    body = response.json()
    assert body["email"] == "ada@example.com"
    assert body["email_verified"] is False
    assert body["roles"] == ["developer"]
    assert body["qualification_status"] == "none"
    assert "mail.deliver" in jobs.names()

    token = verification_token(services, "ada@example.com")
    verified = client.post("/api/v1/accounts/verify-email", json={"token": token})
    assert verified.status_code == 200
    assert verified.json()["email_verified"] is True

    again = client.post("/api/v1/accounts/verify-email", json={"token": token})
    assert again.status_code == 400
    assert again.json()["code"] == "verification_invalid"

    login = client.post(
        "/api/v1/auth/tokens", json={"email": "ADA@example.com", "password": PASSWORD}
    )
    assert login.status_code == 201
    me = client.get(
        "/api/v1/accounts/me", headers={"Authorization": f"Bearer {login.json()['access_token']}"}
    )
    assert me.status_code == 200
    assert me.json()["email"] == "ada@example.com"


def test_duplicate_email_is_a_conflict(client: Any) -> None:
    assert register(client, "twice@example.com").status_code == 201
    second = register(client, "TWICE@example.com")
    assert second.status_code == 409
    assert second.headers["content-type"] == "application/problem+json"
    assert second.json()["code"] == "email_taken"


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("short1!", "at least 10"),
        ("password123", "too common"),
        ("aaaaaaaaaaaa", "different characters"),
        ("weakweakweak", "mix letters"),
    ],
)
def test_weak_passwords_are_refused_and_nothing_is_created(
    client: Any, password: str, reason: str
) -> None:
    response = register(client, "weak@example.com", password)
    assert response.status_code == 422
    problem = response.json()
    assert problem["code"] == "weak_password"
    assert any(reason in p for p in problem["problems"])
    assert register(client, "weak@example.com").status_code == 201  # nothing was left behind


def test_wrong_password_then_lockout(client: Any, services: Any) -> None:
    register(client, "locked@example.com")
    limit = services.settings.login_max_failures
    for _ in range(limit):
        wrong = client.post(
            "/api/v1/auth/tokens", json={"email": "locked@example.com", "password": "nope-nope-1"}
        )
        assert wrong.status_code == 401
        assert wrong.json()["code"] == "invalid_credentials"
    locked = client.post(
        "/api/v1/auth/tokens", json={"email": "locked@example.com", "password": PASSWORD}
    )
    assert locked.status_code == 423
    assert locked.json()["code"] == "account_locked"
    assert int(locked.headers["Retry-After"]) > 0


def test_unknown_email_answers_like_a_wrong_password(client: Any) -> None:
    response = client.post(
        "/api/v1/auth/tokens", json={"email": "ghost@example.com", "password": PASSWORD}
    )
    assert response.status_code == 401
    assert response.json()["code"] == "invalid_credentials"


def test_console_session_needs_csrf_for_changes(client: Any, factory: Factory) -> None:
    dev = factory.developer()
    login = client.post("/api/v1/auth/login", json={"email": dev.email, "password": PASSWORD})
    assert login.status_code == 200
    assert "httponly" in login.headers["set-cookie"].lower()
    csrf = login.json()["csrf_token"]
    assert client.get("/api/v1/accounts/me").status_code == 200  # cookie alone is enough to read
    change = {"current_password": PASSWORD, "new_password": "another-Strong-pass-7"}
    refused = client.post("/api/v1/accounts/me/password", json=change)
    assert refused.status_code == 403
    assert refused.json()["code"] == "csrf_failed"
    accepted = client.post(
        "/api/v1/accounts/me/password", json=change, headers={"X-CSRF-Token": csrf}
    )
    assert accepted.status_code == 204
    # the bearer token issued before the change was signed out with the other sessions
    assert client.get("/api/v1/accounts/me", headers=dev.headers).status_code == 401


def test_malformed_json_and_oversized_bodies(client: Any, services: Any) -> None:
    broken = client.post(
        "/api/v1/accounts", content=b'{"email": ', headers={"Content-Type": "application/json"}
    )
    assert broken.status_code == 400
    assert broken.json()["code"] == "malformed_json"
    huge = (
        b'{"email": "x@example.com", "password": "'
        + b"a" * (services.settings.max_body_bytes + 10)
        + b'"}'
    )
    too_big = client.post(
        "/api/v1/accounts", content=huge, headers={"Content-Type": "application/json"}
    )
    assert too_big.status_code == 413
    assert too_big.json()["code"] == "payload_too_large"
    assert register(client, "x@example.com").status_code == 201


def test_qualification_submission_and_decision(client: Any, factory: Factory) -> None:
    dev = factory.developer()
    body = {
        "organization_name": "Acme Labs",
        "registration_number": "REG-9",
        "country": "SG",
        "contact_name": "Ada",
    }
    submitted = client.post("/api/v1/developer/qualification", headers=dev.headers, json=body)
    assert submitted.status_code == 201, submitted.text
    assert submitted.json()["status"] == "pending"
    assert client.post("/api/v1/developer/qualification", headers=dev.headers, json=body).json()[
        "code"
    ] == ("qualification_pending")
    operator = factory.operator()
    decision_url = f"/api/v1/admin/qualifications/{submitted.json()['id']}/decision"
    no_reason = client.post(decision_url, headers=operator.headers, json={"decision": "reject"})
    assert no_reason.status_code == 422
    assert no_reason.json()["code"] == "reason_required"
    assert (
        client.post(decision_url, headers=dev.headers, json={"decision": "approve"}).status_code
        == 403
    )
    rejected = client.post(
        decision_url,
        headers=operator.headers,
        json={"decision": "reject", "reason": "registration number unreadable"},
    )
    assert rejected.json()["status"] == "rejected"
    me = client.get("/api/v1/accounts/me", headers=dev.headers).json()
    assert me["qualification_status"] == "rejected"
    again = client.post("/api/v1/developer/qualification", headers=dev.headers, json=body)
    assert again.status_code == 201
    factory_approved = factory.developer(approved=True)
    assert client.get("/api/v1/accounts/me", headers=factory_approved.headers).json()[
        "qualification_status"
    ] == ("approved")
