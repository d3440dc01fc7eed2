"""How often wallet users authorize each app: the catalog's popularity until analytics exists.

An authorization is a code issued after the user consented (or re-used a live grant) at the
authorization endpoint, so it counts every sign-in to the app, not only first ones
(docs/catalog.md gives the formula).
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from chainless.oauth.models import AuthorizationCode


def authorizations_since(
    session: Session, since: datetime, app_ids: Collection[str] | None = None
) -> dict[str, int]:
    """Authorization codes issued since ``since``, by app (apps with none are absent)."""
    statement = (
        select(AuthorizationCode.app_id, func.count())
        .where(AuthorizationCode.created_at >= since)
        .group_by(AuthorizationCode.app_id)
    )
    if app_ids is not None:
        statement = statement.where(AuthorizationCode.app_id.in_(list(app_ids)))
    return {app_id: int(count) for app_id, count in session.execute(statement).all()}
