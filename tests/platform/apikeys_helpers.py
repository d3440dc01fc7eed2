"""Helpers for the apikeys tests.

Apps are inserted directly (the apps feature's HTTP surface is written separately); everything
about API keys goes through HTTP.
"""

from __future__ import annotations

import secrets
from typing import Any

from sqlalchemy import update

from chainless.platform.core.clock import utcnow
from chainless.platform.core.security import new_hex_id
from chainless.platform.core.services import Services
from chainless.platform.models import ApiKey, AppMember, MiniProgram
from tests.factories import Actor


def create_app(services: Services, developer: Actor, *, name: str = "Demo app") -> str:
    app_id = secrets.token_hex(16)
    with services.transaction() as session:
        session.add(
            MiniProgram(
                app_id=app_id,
                name=name,
                developer_id=developer.id,
                secret_hash=secrets.token_hex(32),
            )
        )
    return app_id


def add_operator(services: Services, app_id: str, account: Actor) -> None:
    """Make ``account`` an accepted app operator of ``app_id``."""
    with services.transaction() as session:
        session.add(
            AppMember(
                id=new_hex_id(),
                app_id=app_id,
                email=account.email,
                account_id=account.id,
                role="app_operator",
                invited_by=account.id,
                accepted_at=utcnow(),
            )
        )


def keys_url(app_id: str, suffix: str = "") -> str:
    return f"/api/v1/apps/{app_id}/api-keys{suffix}"


def create_key(client: Any, developer: Actor, app_id: str, **body: Any) -> dict[str, Any]:
    payload = {"name": "backend", "environment": "prod", "scopes": ["data:read"]} | body
    response = client.post(keys_url(app_id), json=payload, headers=developer.headers)
    assert response.status_code == 201, response.text
    return dict(response.json())


def key_headers(token: str, *, bearer: bool = False) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"} if bearer else {"X-API-Key": token}


def call_self(client: Any, app_id: str, token: str, **kwargs: Any) -> Any:
    return client.get(keys_url(app_id, "/self"), headers=key_headers(token, **kwargs))


def set_key(services: Services, key_id: str, **values: Any) -> None:
    """Edit a key's row directly (time travel for expiry tests)."""
    with services.transaction() as session:
        session.execute(update(ApiKey).where(ApiKey.id == key_id).values(**values))
