"""Operators list open alerts (newest first, optionally by level or kind) and resolve them."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel
from sqlalchemy import select

from chainless.platform.audit import service as audit
from chainless.platform.auth.dependencies import Require
from chainless.platform.auth.principal import Principal
from chainless.platform.core.bounded import Int64
from chainless.platform.core.clock import utcnow
from chainless.platform.core.deps import DbSession
from chainless.platform.core.errors import Conflict, NotFound, Unprocessable, problem_responses
from chainless.platform.core.permissions import Permission
from chainless.platform.models import Alert

router = APIRouter(prefix="/admin/alerts", tags=["alerts"])
Staff = Annotated[Principal, Depends(Require(Permission.ALERTS_MANAGE))]


class AlertOut(BaseModel):
    id: int
    level: int
    kind: str
    subject: str
    summary: str
    app_id: str | None
    details: dict[str, Any]
    count: int
    raised_at: datetime
    last_seen_at: datetime
    resolved_at: datetime | None


@router.get("", response_model=list[AlertOut], responses=problem_responses(401, 403, 422))
def list_alerts(
    principal: Staff,
    session: DbSession,
    open_only: bool = True,
    resolved_only: Annotated[
        bool, Query(description="Only resolved alerts (give `open_only=false` with it)")
    ] = False,
    min_level: Annotated[int, Query(ge=0, le=100)] = 0,
    kind: str | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> list[AlertOut]:
    statement = select(Alert).where(Alert.level >= min_level).order_by(Alert.id.desc()).limit(limit)
    if open_only and resolved_only:
        raise Unprocessable("open_only and resolved_only exclude each other", code="invalid_filter")
    if open_only:
        statement = statement.where(Alert.resolved_at.is_(None))
    if resolved_only:
        statement = statement.where(Alert.resolved_at.is_not(None))
    if kind:
        statement = statement.where(Alert.kind == kind)
    return [AlertOut.model_validate(a, from_attributes=True) for a in session.scalars(statement)]


@router.post(
    "/{alert_id}/resolve", response_model=AlertOut, responses=problem_responses(401, 403, 404, 409)
)
def resolve_alert(alert_id: Int64, principal: Staff, session: DbSession) -> AlertOut:
    alert = session.get(Alert, alert_id, with_for_update=True)
    if alert is None:
        raise NotFound(f"no alert {alert_id}", code="alert_not_found")
    if alert.resolved_at is not None:
        raise Conflict("this alert is already resolved", code="alert_resolved")
    alert.resolved_at = utcnow()
    alert.resolved_by = principal.id
    audit.record(
        session,
        principal,
        "alert.resolved",
        target_type="alert",
        target_id=str(alert.id),
        app_id=alert.app_id,
        summary=alert.summary[:200],
    )
    return AlertOut.model_validate(alert, from_attributes=True)
