"""All audit log queries: one search with every filter, and the retention delete.

The search takes the caller and limits it to what the caller may see: the whole log for staff
with ``audit:read``, one app's events for a caller with ``app:read`` on that app, nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, Select, delete, false, select, true
from sqlalchemy.orm import Session

from chainless.platform.apps.access import has_app_permission
from chainless.platform.auth.principal import Principal
from chainless.platform.core.errors import Unprocessable
from chainless.platform.core.permissions import Permission
from chainless.platform.models import AuditEvent, MiniProgram

MAX_PAGE = 200
_LIKE_ESCAPE = "\\"


@dataclass(frozen=True)
class AuditFilters:
    """``action`` matches exactly, or as a prefix when it ends with ``*`` (``app.*``);
    ``since`` is inclusive, ``until`` exclusive; ``q`` is a case-insensitive summary substring."""

    actor_id: str | None = None
    action: str | None = None
    target_type: str | None = None
    target_id: str | None = None
    app_id: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    q: str | None = None

    def validate(self) -> None:
        if self.action is not None and "*" in self.action.rstrip("*"):
            raise Unprocessable(
                "action: '*' is only allowed at the end (a prefix match)", code="invalid_filter"
            )
        if self.action is not None and self.action.endswith("**"):
            raise Unprocessable("action: use a single trailing '*'", code="invalid_filter")
        if self.since and self.until and self.since >= self.until:
            raise Unprocessable("since must be before until", code="invalid_filter")


def search(
    session: Session,
    viewer: Principal,
    filters: AuditFilters,
    *,
    app: MiniProgram | None = None,
    cursor: int | None = None,
    limit: int = 50,
) -> tuple[list[AuditEvent], int | None]:
    """A page of events, newest first, and the cursor of the next page (``None`` at the end).

    Keyset pagination on the id: a page stays stable while new events are appended.
    """
    filters.validate()
    limit = max(1, min(limit, MAX_PAGE))
    statement = _filtered(select(AuditEvent), filters).where(_visible(session, viewer, app))
    if cursor is not None:
        statement = statement.where(AuditEvent.id < cursor)
    rows = list(session.scalars(statement.order_by(AuditEvent.id.desc()).limit(limit + 1)))
    if len(rows) > limit:
        return rows[:limit], rows[limit - 1].id
    return rows, None


def _visible(session: Session, viewer: Principal, app: MiniProgram | None) -> ColumnElement[bool]:
    if app is not None:
        if not has_app_permission(session, viewer, app, Permission.APP_READ):
            return false()
        return AuditEvent.app_id == app.app_id
    return true() if viewer.can(Permission.AUDIT_READ) else false()


def _filtered(statement: Select[AuditEvent], f: AuditFilters) -> Select[AuditEvent]:
    exact = {
        AuditEvent.actor_id: f.actor_id,
        AuditEvent.target_type: f.target_type,
        AuditEvent.target_id: f.target_id,
        AuditEvent.app_id: f.app_id,
    }
    for column, value in exact.items():
        if value is not None:
            statement = statement.where(column == value)
    if f.action is not None and f.action.endswith("*"):
        prefix = _escape_like(f.action.removesuffix("*"))
        statement = statement.where(AuditEvent.action.like(prefix + "%", escape=_LIKE_ESCAPE))
    elif f.action is not None:
        statement = statement.where(AuditEvent.action == f.action)
    if f.since is not None:
        statement = statement.where(AuditEvent.occurred_at >= f.since)
    if f.until is not None:
        statement = statement.where(AuditEvent.occurred_at < f.until)
    if f.q:
        pattern = "%" + _escape_like(f.q) + "%"
        statement = statement.where(AuditEvent.summary.ilike(pattern, escape=_LIKE_ESCAPE))
    return statement


def _escape_like(text: str) -> str:
    e = _LIKE_ESCAPE
    return text.replace(e, e + e).replace("%", e + "%").replace("_", e + "_")


def delete_older_than(session: Session, cutoff: datetime, *, limit: int) -> int:
    """Delete up to ``limit`` of the oldest events that occurred before ``cutoff``.

    The database refuses to delete anything younger than the legal minimum (a trigger), so a
    wrong ``cutoff`` fails loudly instead of losing history.
    """
    oldest = (
        select(AuditEvent.id)
        .where(AuditEvent.occurred_at < cutoff)
        .order_by(AuditEvent.occurred_at)
        .limit(limit)
    )
    result = session.execute(
        delete(AuditEvent)
        .where(AuditEvent.id.in_(oldest))
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]
