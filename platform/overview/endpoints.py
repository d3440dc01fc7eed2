"""``GET /admin/overview``: the platform at a glance, for staff who may read every app."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Response

from chainless.platform.auth.dependencies import CallerRateLimit, CurrentPrincipal, Require
from chainless.platform.auth.principal import Principal
from chainless.platform.core.deps import ReadSession, ServicesDep
from chainless.platform.core.errors import problem_responses
from chainless.platform.core.permissions import Permission
from chainless.platform.overview import service
from chainless.platform.overview.schemas import OverviewOut

router = APIRouter(tags=["overview"])
OVERVIEW_LIMIT = CallerRateLimit("admin.overview", 30, 60)
_READER = Require(Permission.APP_READ_ANY)


def _staff(principal: CurrentPrincipal, response: Response, services: ServicesDep) -> Principal:
    """Count the call (refused ones too), then demand ``app:read:any``."""
    OVERVIEW_LIMIT(principal, response, services)
    return _READER.check(principal)


@router.get(
    "/admin/overview",
    response_model=OverviewOut,
    summary="Platform overview",
    description="Apps by status, the review backlog and the relay's volume of the last 14 UTC "
    "days. Needs `app:read:any` (platform operators and devops).",
    responses=problem_responses(401, 403, 429),
)
def get_overview(
    principal: Annotated[Principal, Depends(_staff)],
    session: ReadSession,
    services: ServicesDep,
) -> OverviewOut:
    return service.overview(session, services)
