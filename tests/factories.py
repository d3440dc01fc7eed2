"""Small per-domain factories that build test data through the public HTTP surface."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from typing import Any

import pytest
from sqlalchemy import select

from chainless.platform.admin import create_staff
from chainless.platform.core.permissions import Role
from chainless.platform.core.services import Services
from chainless.platform.models import OutboxEmail

PASSWORD = "correct-horse-Battery-9"


@dataclass
class Actor:
    id: str
    email: str
    password: str
    token: str
    headers: dict[str, str] = field(default_factory=dict)


def last_email(services: Services, to: str) -> OutboxEmail:
    with services.transaction() as session:
        message = session.scalars(
            select(OutboxEmail)
            .where(OutboxEmail.to_address == to)
            .order_by(OutboxEmail.created_at.desc())
        ).first()
    assert message is not None, f"no email to {to}"
    return message


def verification_token(services: Services, email: str) -> str:
    match = re.search(r"verify-email\?token=([\w-]+)", last_email(services, email).body)
    assert match, "verification email carries no token"
    return match.group(1)


def sign_in(client: Any, email: str, password: str = PASSWORD) -> str:
    response = client.post("/api/v1/auth/tokens", json={"email": email, "password": password})
    assert response.status_code == 201, response.text
    return str(response.json()["access_token"])


class Factory:
    def __init__(self, client: Any, services: Services) -> None:
        self.client = client
        self.services = services

    def developer(
        self, *, verified: bool = True, approved: bool = False, email: str | None = None
    ) -> Actor:
        email = email or f"dev-{uuid.uuid4().hex[:10]}@example.com"
        response = self.client.post(
            "/api/v1/accounts", json={"email": email, "password": PASSWORD, "display_name": "Dev"}
        )
        assert response.status_code == 201, response.text
        account_id = response.json()["id"]
        if verified:
            token = verification_token(self.services, email)
            verified_response = self.client.post(
                "/api/v1/accounts/verify-email", json={"token": token}
            )
            assert verified_response.status_code == 200, verified_response.text
        token = sign_in(self.client, email)
        actor = Actor(account_id, email, PASSWORD, token, {"Authorization": f"Bearer {token}"})
        if approved:
            self.approve(actor)
        return actor

    def staff(self, *roles: Role) -> Actor:
        email = f"staff-{uuid.uuid4().hex[:10]}@example.com"
        with self.services.transaction() as session:
            account = create_staff(
                session,
                self.services.settings,
                self.services.hasher,
                email=email,
                password=PASSWORD,
                roles=roles or (Role.PLATFORM_OPERATOR,),
            )
            account_id = account.id
        token = sign_in(self.client, email)
        return Actor(account_id, email, PASSWORD, token, {"Authorization": f"Bearer {token}"})

    def operator(self) -> Actor:
        return self.staff(Role.PLATFORM_OPERATOR)

    def approve(self, developer: Actor) -> None:
        submitted = self.client.post(
            "/api/v1/developer/qualification",
            headers=developer.headers,
            json={
                "organization_name": "Acme Labs",
                "registration_number": "REG-1",
                "country": "SG",
                "contact_name": "Ada",
            },
        )
        assert submitted.status_code == 201, submitted.text
        decided = self.client.post(
            f"/api/v1/admin/qualifications/{submitted.json()['id']}/decision",
            headers=self.operator().headers,
            json={"decision": "approve"},
        )
        assert decided.status_code == 200, decided.text


@pytest.fixture
def factory(client: Any, services: Services) -> Factory:
    return Factory(client, services)


@dataclass
class OnlineApp:
    app_id: str
    client_secret: str  # "" for a public client, which is issued none
    redirect_uri: str
    developer: Actor
    public: bool = False

    def client_auth(self) -> dict[str, Any]:
        """How its calls authenticate: ``client_secret_basic``, or a public client's id alone."""
        if self.public:
            return {"data": {"client_id": self.app_id}}
        return {"auth": (self.app_id, self.client_secret)}


def online_app(
    factory: Factory,
    *,
    scopes: tuple[str, ...] = ("basic:address", "basic:user_id", "transaction:broadcast"),
    redirect_uri: str = "https://app.example.com/callback",
    developer: Actor | None = None,
    public: bool = False,
) -> OnlineApp:
    """An app through the whole platform story: created, versioned, submitted, approved (online).
    ``public`` registers a public client (``token_endpoint_auth_method`` ``none``)."""
    client = factory.client
    developer = developer or factory.developer(approved=True)
    created = client.post(
        "/api/v1/apps",
        headers=developer.headers,
        json={
            "name": "Token Swap",
            "description": "Swap tokens",
            "category": "defi",
            "redirect_uris": [redirect_uri],
            "requested_scopes": list(scopes),
            "token_endpoint_auth_method": "none" if public else "client_secret_basic",
        },
    )
    assert created.status_code == 201, created.text
    app_id = created.json()["app_id"]
    version = client.post(
        f"/api/v1/apps/{app_id}/versions", headers=developer.headers, json={"version": "1.0.0"}
    )
    assert version.status_code == 201, version.text
    submitted = client.post(
        f"/api/v1/apps/{app_id}/submit", headers=developer.headers, json={"version": "1.0.0"}
    )
    assert submitted.status_code == 200, submitted.text
    reviewed = client.post(
        f"/api/v1/admin/apps/{app_id}/review",
        headers=factory.operator().headers,
        json={"decision": "approve"},
    )
    assert reviewed.status_code == 200, reviewed.text
    secret = created.json()["client_secret"] or ""
    return OnlineApp(app_id, secret, redirect_uri, developer, public=public)
