"""An app's team reads the alerts raised about its app (relay bursts, undeliverable webhooks,
replayed authorization codes, failing client secrets); staff resolve them (``endpoints.py``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from chainless.platform.alerts import repository
from chainless.platform.alerts.repository import MAX_PAGE
from chainless.platform.alerts.schemas import AppAlertOut, AppAlertPage
from chainless.platform.apps.access import app_for
from chainless.platform.auth.dependencies import CurrentPrincipal
from chainless.platform.core.bounded import Int64
from chainless.platform.core.deps import DbSession
from chainless.platform.core.errors import problem_responses
from chainless.platform.core.permissions import Permission

router = APIRouter(tags=["alerts"])


@router.get(
    "/apps/{app_id}/alerts",
    response_model=AppAlertPage,
    summary="An app's alerts",
    description="The alerts raised about one app, newest first, keyset-paginated, for callers "
    "with `app:read` on it (another developer's app is a 404).",
    responses=problem_responses(401, 403, 404, 422),
)
def app_alerts(
    app_id: str,
    principal: CurrentPrincipal,
    session: DbSession,
    open_only: bool = False,
    min_level: Annotated[int, Query(ge=0, le=100)] = 0,
    cursor: Annotated[
        Int64 | None, Query(ge=1, description="`next_cursor` of the previous page")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 50,
) -> AppAlertPage:
    app = app_for(session, principal, app_id, Permission.APP_READ)
    alerts, next_cursor = repository.of_app(
        session, app, open_only=open_only, min_level=min_level, cursor=cursor, limit=limit
    )
    return AppAlertPage(
        items=[AppAlertOut.model_validate(a, from_attributes=True) for a in alerts],
        next_cursor=next_cursor,
    )
