"""Helpers for the permission and audit tests: rows inserted directly.

Apps, app members and API keys are written straight through ``services.transaction()`` (their
features' HTTP surfaces are developed separately); API keys use the real key format and hash, so
they authenticate through the real ``X-API-Key`` path.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any

from chainless.platform.apikeys.keyformat import new_key
from chainless.platform.core.clock import utcnow
from chainless.platform.core.security import new_hex_id
from chainless.platform.core.services import Services
from chainless.platform.core.settings import ChainEnvironment
from chainless.platform.models import ApiKey, AppMember, AuditEvent, MiniProgram
from tests.factories import Actor


def insert_app(services: Services, owner: Actor, *, name: str = "Demo app") -> str:
    app_id = secrets.token_hex(16)
    with services.transaction() as session:
        session.add(
            MiniProgram(
                app_id=app_id, name=name, developer_id=owner.id, secret_hash=secrets.token_hex(32)
            )
        )
    return app_id


def add_app_operator(
    services: Services, app_id: str, member: Actor, *, accepted: bool = True
) -> None:
    with services.transaction() as session:
        session.add(
            AppMember(
                id=new_hex_id(),
                app_id=app_id,
                email=member.email,
                account_id=member.id,
                role="app_operator",
                invited_by=member.id,
                accepted_at=utcnow() if accepted else None,
            )
        )


def insert_api_key(services: Services, app_id: str, creator: Actor, scopes: list[str]) -> str:
    """An active API key of ``app_id``; returns the full key."""
    fresh = new_key(ChainEnvironment.PROD)
    now = utcnow()
    with services.transaction() as session:
        session.add(
            ApiKey(
                id=new_hex_id(),
                app_id=app_id,
                name="test",
                environment="prod",
                prefix=fresh.prefix,
                secret_hash=services.hasher.hash(fresh.token),
                scopes=scopes,
                rate_limit_count=1000,
                rate_limit_period=3600,
                created_by=creator.id,
                created_at=now,
                expires_at=now + timedelta(days=30),
                usage_count=0,
            )
        )
    return fresh.token


def key_headers(token: str) -> dict[str, str]:
    return {"X-API-Key": token}


def insert_audit_event(
    services: Services, *, action: str, occurred_at: datetime | None = None, **fields: Any
) -> int:
    """Append an audit event directly (inserting is allowed; only UPDATE/DELETE are guarded)."""
    values: dict[str, Any] = {
        "actor_type": "account",
        "target_type": "test",
        "summary": "",
        "changes": {},
    } | fields
    with services.transaction() as session:
        event = AuditEvent(action=action, occurred_at=occurred_at or utcnow(), **values)
        session.add(event)
        session.flush()
        return event.id
