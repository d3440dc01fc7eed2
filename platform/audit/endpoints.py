"""Audit log search: the whole log for platform staff, one app's events for its team."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from chainless.platform.apps.access import app_for
from chainless.platform.audit import repository
from chainless.platform.audit.repository import MAX_PAGE, AuditFilters
from chainless.platform.audit.schemas import (
    AppAuditEventOut,
    AppAuditPage,
    AuditEventOut,
    AuditPage,
    as_utc,
)
from chainless.platform.auth.dependencies import CurrentPrincipal, Require
from chainless.platform.auth.principal import Principal
from chainless.platform.core.bounded import Int64
from chainless.platform.core.deps import DbSession
from chainless.platform.core.errors import problem_responses
from chainless.platform.core.permissions import STAFF_ROLES, Permission
from chainless.platform.models import AuditEvent

router = APIRouter(tags=["audit"])
AuditReader = Annotated[Principal, Depends(Require(Permission.AUDIT_READ))]
_STAFF_ROLE_NAMES = frozenset(role.value for role in STAFF_ROLES)


def _filters(
    actor_id: Annotated[str | None, Query(max_length=64)] = None,
    action: Annotated[
        str | None, Query(max_length=65, description="Exact, or a prefix ending in `*`")
    ] = None,
    target_type: Annotated[str | None, Query(max_length=32)] = None,
    target_id: Annotated[str | None, Query(max_length=64)] = None,
    since: Annotated[
        datetime | None, Query(description="ISO 8601, inclusive; no offset means UTC")
    ] = None,
    until: Annotated[
        datetime | None, Query(description="ISO 8601, exclusive; no offset means UTC")
    ] = None,
    q: Annotated[
        str | None, Query(min_length=1, max_length=200, description="Summary contains")
    ] = None,
) -> AuditFilters:
    return AuditFilters(
        actor_id=actor_id,
        action=action,
        target_type=target_type,
        target_id=target_id,
        since=as_utc(since),
        until=as_utc(until),
        q=q,
    )


Filters = Annotated[AuditFilters, Depends(_filters)]
Cursor = Annotated[Int64 | None, Query(ge=1, description="`next_cursor` of the previous page")]
Limit = Annotated[int, Query(ge=1, le=MAX_PAGE)]


@router.get(
    "/admin/audit-events",
    response_model=AuditPage,
    summary="Search the audit log",
    description="Newest first, keyset-paginated. Needs `audit:read` (platform staff).",
    responses=problem_responses(401, 403, 422),
)
def search_audit_events(
    principal: AuditReader,
    session: DbSession,
    filters: Filters,
    app_id: Annotated[str | None, Query(max_length=32)] = None,
    cursor: Cursor = None,
    limit: Limit = 50,
) -> AuditPage:
    events, next_cursor = repository.search(
        session, principal, replace(filters, app_id=app_id), cursor=cursor, limit=limit
    )
    return AuditPage(
        items=[AuditEventOut.model_validate(e, from_attributes=True) for e in events],
        next_cursor=next_cursor,
    )


@router.get(
    "/apps/{app_id}/audit-events",
    response_model=AppAuditPage,
    summary="An app's audit events",
    description="The events of one app, newest first, for callers with `app:read` on it. "
    "Client addresses are left out and platform staff appear by role only.",
    responses=problem_responses(401, 403, 404, 422),
)
def app_audit_events(
    app_id: str,
    principal: CurrentPrincipal,
    session: DbSession,
    filters: Filters,
    cursor: Cursor = None,
    limit: Limit = 50,
) -> AppAuditPage:
    app = app_for(session, principal, app_id, Permission.APP_READ)
    events, next_cursor = repository.search(
        session, principal, filters, app=app, cursor=cursor, limit=limit
    )
    return AppAuditPage(items=[_for_app_team(e) for e in events], next_cursor=next_cursor)


def _for_app_team(event: AuditEvent) -> AppAuditEventOut:
    out = AppAuditEventOut.model_validate(event, from_attributes=True)
    if event.actor_role in _STAFF_ROLE_NAMES:
        out.actor_id = None
    return out
