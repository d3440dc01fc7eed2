"""Alert queries for an app's own team: the alerts raised about one app, newest first.

The caller has already been allowed to read the app (``apps.access.app_for``); the statement
filters by that app's id, so another app's alerts (and the platform's own, which name no app)
never reach its team.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from chainless.platform.models import Alert, MiniProgram

MAX_PAGE = 200


def of_app(
    session: Session,
    app: MiniProgram,
    *,
    open_only: bool = False,
    min_level: int = 0,
    cursor: int | None = None,
    limit: int = 50,
) -> tuple[list[Alert], int | None]:
    """A page of ``app``'s alerts, newest first, and the cursor of the next (older) page.

    Keyset pagination on the id, like the audit log: a page stays stable while alerts are raised.
    """
    limit = max(1, min(limit, MAX_PAGE))
    statement = select(Alert).where(Alert.app_id == app.app_id, Alert.level >= min_level)
    if open_only:
        statement = statement.where(Alert.resolved_at.is_(None))
    if cursor is not None:
        statement = statement.where(Alert.id < cursor)
    rows = list(session.scalars(statement.order_by(Alert.id.desc()).limit(limit + 1)))
    if len(rows) > limit:
        return rows[:limit], rows[limit - 1].id
    return rows, None
