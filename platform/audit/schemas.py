"""Response bodies and search filters of the audit log."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, Field


class AuditEventOut(BaseModel):
    """An event as platform staff with ``audit:read`` see it."""

    id: int
    occurred_at: datetime
    actor_type: str
    actor_id: str | None
    actor_role: str | None
    action: str
    target_type: str
    target_id: str | None
    app_id: str | None
    summary: str
    changes: dict[str, Any]
    ip: str | None
    user_agent: str | None
    request_id: str | None


class AppAuditEventOut(BaseModel):
    """An event as the app's own team sees it: no client addresses, and platform staff appear by
    role only (``actor_id`` is null when ``actor_role`` is a staff role)."""

    id: int
    occurred_at: datetime
    actor_type: str
    actor_id: str | None
    actor_role: str | None
    action: str
    target_type: str
    target_id: str | None
    app_id: str | None
    summary: str
    changes: dict[str, Any]
    request_id: str | None


class AuditPage(BaseModel):
    items: list[AuditEventOut]
    next_cursor: int | None = Field(description="Pass as `cursor` for the next (older) page")


class AppAuditPage(BaseModel):
    items: list[AppAuditEventOut]
    next_cursor: int | None = Field(description="Pass as `cursor` for the next (older) page")


def as_utc(moment: datetime | None) -> datetime | None:
    """Query times without an offset are taken as UTC."""
    if moment is None:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
