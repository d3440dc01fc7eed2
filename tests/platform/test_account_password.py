"""Changing the password: each refusal names the field it is about, and changes nothing."""

from __future__ import annotations

from typing import Any

import pytest

from tests.factories import PASSWORD, Factory, sign_in

pytestmark = pytest.mark.portable
URL = "/api/v1/accounts/me/password"


def test_a_wrong_current_password_names_its_field(client: Any, factory: Factory) -> None:
    dev = factory.developer()
    body = {"current_password": "not-the-Password-1", "new_password": "another-Strong-pass-7"}
    refused = client.post(URL, json=body, headers=dev.headers)
    assert refused.status_code == 401
    assert refused.json()["code"] == "invalid_credentials"
    assert refused.json()["field"] == "current_password"
    assert sign_in(client, dev.email, PASSWORD), "the old password still works"
    assert client.get("/api/v1/accounts/me", headers=dev.headers).status_code == 200


@pytest.mark.parametrize("weak", ["short", "password123", "aaaaaaaaaaaa"])
def test_a_weak_new_password_names_its_field(client: Any, factory: Factory, weak: str) -> None:
    dev = factory.developer()
    refused = client.post(
        URL, json={"current_password": PASSWORD, "new_password": weak}, headers=dev.headers
    )
    assert refused.status_code == 422
    problem = refused.json()
    assert problem["code"] == "weak_password"
    assert problem["field"] == "new_password"
    assert problem["problems"]
    assert sign_in(client, dev.email, PASSWORD)


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"current_password": PASSWORD},
        {"current_password": "", "new_password": "another-Strong-pass-7"},
        {"current_password": PASSWORD, "new_password": "x" * 257},
    ],
)
def test_malformed_bodies_are_422(client: Any, factory: Factory, body: dict[str, Any]) -> None:
    dev = factory.developer()
    response = client.post(URL, json=body, headers=dev.headers)
    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"
