"""HTTP endpoints of the permission API (spec 3.5.7)."""

from __future__ import annotations

from fastapi import APIRouter

from chainless.platform.core.deps import DbSession
from chainless.platform.core.errors import problem_responses
from chainless.platform.core.permissions import Role
from chainless.platform.permissions_api import service
from chainless.platform.permissions_api.auth import RolesReader, RolesSyncer, Verifier
from chainless.platform.permissions_api.schemas import (
    PrincipalOut,
    RoleCatalogOut,
    RoleChangeOut,
    SyncRequest,
    SyncResponse,
    VerifyRequest,
    VerifyResponse,
)

router = APIRouter(prefix="/permission", tags=["permissions"])


@router.post(
    "/verify",
    response_model=VerifyResponse,
    summary="May the caller use a permission?",
    description="Any valid credential; 100 calls per minute per caller. App-scoped permissions "
    "are evaluated on `app_id`; an app the caller cannot see answers like a nonexistent one.",
    responses=problem_responses(401, 403, 422, 429),
)
def verify(body: VerifyRequest, principal: Verifier, session: DbSession) -> VerifyResponse:
    verdict = service.verify(session, principal, body.permission, body.app_id)
    return VerifyResponse(
        allowed=verdict.allowed,
        permission=verdict.permission,
        app_id=verdict.app_id,
        scope=verdict.scope,
        principal=PrincipalOut(kind=principal.kind, id=principal.id),
        roles=verdict.roles,
        scopes=verdict.scopes,
    )


@router.get(
    "/roles",
    response_model=RoleCatalogOut,
    summary="The role model",
    description="Every role with its permissions, every permission and the API key scopes. "
    "Platform staff (`permission:roles:read`); 10 calls per minute per caller.",
    responses=problem_responses(401, 403, 429),
)
def roles(_principal: RolesReader) -> RoleCatalogOut:
    return service.role_catalog()


@router.post(
    "/sync",
    response_model=SyncResponse,
    summary="Synchronise platform staff roles",
    description="Set exactly the listed platform staff roles on each listed account, from the "
    "organisation's directory. Platform devops (`permission:sync`); 5 calls per minute per "
    "caller. `dry_run` reports the same diff without changing anything.",
    responses=problem_responses(401, 403, 409, 422, 429),
)
def sync(body: SyncRequest, principal: RolesSyncer, session: DbSession) -> SyncResponse:
    assignments = [
        (str(a.email), frozenset(Role(name) for name in a.roles)) for a in body.assignments
    ]
    outcome = service.sync_staff_roles(session, principal, assignments, dry_run=body.dry_run)
    return SyncResponse(
        dry_run=outcome.dry_run,
        changes=[RoleChangeOut.model_validate(c, from_attributes=True) for c in outcome.changes],
        unknown_emails=outcome.unknown_emails,
        granted=outcome.granted,
        revoked=outcome.revoked,
    )
