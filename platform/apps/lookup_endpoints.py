"""The operators' app and developer lookup: one search over app names, app ids and developer
emails (the developer's own ``GET /apps?q=`` matches names only, within what the caller sees)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response
from pydantic import BaseModel

from chainless.platform.apps import presenters, repository
from chainless.platform.apps.schemas import AppSummary
from chainless.platform.auth.dependencies import CallerRateLimit, CurrentPrincipal, Require
from chainless.platform.auth.principal import Principal
from chainless.platform.core.bounded import Int64
from chainless.platform.core.deps import DbSession, ServicesDep
from chainless.platform.core.errors import problem_responses
from chainless.platform.core.permissions import Permission
from chainless.platform.models import AppStatus

router = APIRouter(tags=["app review"])
LOOKUP_LIMIT = CallerRateLimit("admin.apps.lookup", 60, 60)
_READ_ANY = Require(Permission.APP_READ_ANY)


def _staff_reader(
    principal: CurrentPrincipal, response: Response, services: ServicesDep
) -> Principal:
    """Count the call (refused ones too, so probing is slowed), then demand ``app:read:any``."""
    LOOKUP_LIMIT(principal, response, services)
    return _READ_ANY.check(principal)


StaffReader = Annotated[Principal, Depends(_staff_reader)]


class LookupEntryOut(BaseModel):
    app: AppSummary
    developer_email: str
    developer_name: str


class LookupPage(BaseModel):
    items: list[LookupEntryOut]
    total: int
    limit: int
    offset: int


@router.get(
    "/admin/apps",
    response_model=LookupPage,
    summary="Find apps by name, app id or developer email (platform staff)",
    description="Names and developer emails match anywhere, case-insensitively; app ids match"
    " from their start. 60 calls a minute per caller.",
    responses=problem_responses(401, 403, 422, 429),
)
def lookup_apps(
    principal: StaffReader,
    session: DbSession,
    q: Annotated[
        str,
        Query(
            min_length=2,
            max_length=254,
            pattern=r"\S",
            description="part of an app name or developer email, or an app id's start",
        ),
    ],
    status: Annotated[AppStatus | None, Query(description="0, 1, 2 or 3")] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Annotated[Int64, Query(ge=0)] = 0,
) -> LookupPage:
    entries, total = repository.staff_lookup(session, q, status=status, limit=limit, offset=offset)
    return LookupPage(
        items=[
            LookupEntryOut(
                app=presenters.app_summary(e.app),
                developer_email=e.developer_email,
                developer_name=e.developer_name,
            )
            for e in entries
        ],
        total=total,
        limit=limit,
        offset=offset,
    )
