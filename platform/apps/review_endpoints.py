"""HTTP endpoints of versions, review and listing (developers submit, platform operators decide)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from chainless.platform.apps import presenters, review, service, versions
from chainless.platform.apps.config_schemas import VersionIn, VersionOut
from chainless.platform.apps.schemas import (
    AppOut,
    DelistIn,
    QueueEntryOut,
    RelistIn,
    ReviewIn,
    SubmitIn,
)
from chainless.platform.auth.dependencies import CurrentPrincipal, Require
from chainless.platform.auth.principal import Principal
from chainless.platform.core.bounded import Int64
from chainless.platform.core.deps import DbSession
from chainless.platform.core.errors import problem_responses
from chainless.platform.core.permissions import Permission
from chainless.platform.models import MiniProgram

router = APIRouter(tags=["app review"])
Reviewer = Annotated[Principal, Depends(Require(Permission.REVIEW_DECIDE))]
Delister = Annotated[Principal, Depends(Require(Permission.APP_DELIST))]


def _staff_view(session: DbSession, app: MiniProgram) -> AppOut:
    return presenters.app_out(service.view_of(session, app))


@router.post(
    "/apps/{app_id}/versions",
    status_code=201,
    response_model=VersionOut,
    summary="Add a version (semver, greater than every earlier one)",
    responses=problem_responses(401, 403, 404, 409, 422),
)
def create_version(
    app_id: str, body: VersionIn, principal: CurrentPrincipal, session: DbSession
) -> VersionOut:
    return presenters.version_out(versions.create_version(session, principal, app_id, body))


@router.get(
    "/apps/{app_id}/versions",
    response_model=list[VersionOut],
    summary="Versions, newest first",
    responses=problem_responses(401, 403, 404),
)
def list_versions(app_id: str, principal: CurrentPrincipal, session: DbSession) -> list[VersionOut]:
    return [presenters.version_out(v) for v in versions.list_versions(session, principal, app_id)]


@router.post(
    "/apps/{app_id}/submit",
    response_model=VersionOut,
    summary="Submit a draft version for review",
    responses=problem_responses(401, 403, 404, 409, 422),
)
def submit(
    app_id: str, body: SubmitIn, principal: CurrentPrincipal, session: DbSession
) -> VersionOut:
    version = review.submit(session, principal, app_id, body.version, body.listing)
    return presenters.version_out(version)


@router.get(
    "/admin/apps/review-queue",
    response_model=list[QueueEntryOut],
    summary="Apps waiting for review, oldest first",
    responses=problem_responses(401, 403),
)
def review_queue(
    principal: Reviewer,
    session: DbSession,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[Int64, Query(ge=0)] = 0,
) -> list[QueueEntryOut]:
    return [
        presenters.queue_entry_out(e) for e in review.queue(session, limit=limit, offset=offset)
    ]


@router.post(
    "/admin/apps/{app_id}/review",
    response_model=AppOut,
    summary="Approve or reject the version in review",
    responses=problem_responses(401, 403, 404, 409, 422),
)
def decide(app_id: str, body: ReviewIn, principal: Reviewer, session: DbSession) -> AppOut:
    return _staff_view(session, review.decide(session, principal, app_id, body))


@router.post(
    "/admin/apps/{app_id}/delist",
    response_model=AppOut,
    summary="Take an online app off the listing",
    responses=problem_responses(401, 403, 404, 409, 422),
)
def delist(app_id: str, body: DelistIn, principal: Delister, session: DbSession) -> AppOut:
    return _staff_view(session, review.delist(session, principal, app_id, body.reason))


@router.post(
    "/admin/apps/{app_id}/relist",
    response_model=AppOut,
    summary="Put a delisted app online again",
    responses=problem_responses(401, 403, 404, 409, 422),
)
def relist(
    app_id: str, principal: Delister, session: DbSession, body: RelistIn | None = None
) -> AppOut:
    return _staff_view(
        session, review.relist(session, principal, app_id, body.reason if body else "")
    )
