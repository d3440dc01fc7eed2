"""Record every state change, in the same transaction as the change itself."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from chainless.platform.auth.principal import Principal
from chainless.platform.core.context import current_request
from chainless.platform.models import AuditEvent

SYSTEM = "system"
WALLET_USER = "user"  # actor type of a wallet user acting for themself
WALLET_ROLE = "wallet_user"
_SECRET_MARKERS = ("secret", "password", "token", "key_hash")


@dataclass(frozen=True)
class WalletUser:
    """A wallet user (signed in by SIWE) as the actor of an event: recorded as who they are,
    not as the platform (``system``) acting on its own."""

    user_id: str


def record(
    session: Session,
    actor: Principal | WalletUser | str,
    action: str,
    *,
    target_type: str,
    target_id: str | None,
    app_id: str | None = None,
    summary: str = "",
    changes: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one audit event; ``actor`` is a principal, a wallet user, or a string naming a part
    of the platform (``"system"``, ``"oauth"``).

    ``changes`` maps a field to ``[old, new]``; values of secret-looking fields are masked.
    """
    request = current_request()
    actor_type: str
    if isinstance(actor, Principal):
        actor_type, actor_id, actor_role = actor.kind, actor.id, actor.actor_role
    elif isinstance(actor, WalletUser):
        actor_type, actor_id, actor_role = WALLET_USER, actor.user_id, WALLET_ROLE
    else:
        actor_type, actor_id, actor_role = SYSTEM, actor, SYSTEM
    event = AuditEvent(
        actor_type=actor_type,
        actor_id=actor_id,
        actor_role=actor_role,
        action=action,
        target_type=target_type,
        target_id=target_id,
        app_id=app_id,
        summary=summary[:512],
        changes=_masked(changes or {}),
        ip=request.ip,
        user_agent=(request.user_agent or "")[:256] or None,
        request_id=request.request_id,
    )
    session.add(event)
    return event


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """``{field: [old, new]}`` for the fields that changed."""
    return {k: [before.get(k), v] for k, v in after.items() if before.get(k) != v}


def _masked(changes: dict[str, Any]) -> dict[str, Any]:
    return {
        key: "***" if any(marker in key.lower() for marker in _SECRET_MARKERS) else value
        for key, value in changes.items()
    }
