"""HTTP endpoints of the apps feature: create, list, read, change, rotate the secret.

Configuration, versions and review live in their own routers, included here so the platform
mounts one router for the feature.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from chainless.platform.apps import (
    config_endpoints,
    lookup_endpoints,
    presenters,
    review_endpoints,
    service,
    view_cache,
)
from chainless.platform.apps.repository import AppFilters
from chainless.platform.apps.schemas import (
    AppCreate,
    AppCreated,
    AppOut,
    AppPage,
    AppUpdate,
    SecretOut,
)
from chainless.platform.auth.dependencies import CurrentPrincipal, Require
from chainless.platform.auth.principal import Principal
from chainless.platform.core.bounded import Int64
from chainless.platform.core.deps import DbSession, ServicesDep
from chainless.platform.core.errors import problem_responses
from chainless.platform.core.permissions import Permission
from chainless.platform.models import AppStatus

router = APIRouter(tags=["apps"])
Creator = Annotated[Principal, Depends(Require(Permission.APP_CREATE))]


@router.post(
    "/apps",
    status_code=201,
    response_model=AppCreated,
    summary="Create a mini-program",
    description="The client secret is in this response only; the platform keeps its hash. A"
    " public client (`token_endpoint_auth_method` `none`) is issued none.",
    responses=problem_responses(401, 403, 409, 422),
)
def create_app(
    body: AppCreate, principal: Creator, session: DbSession, services: ServicesDep
) -> AppCreated:
    issued = service.create_app(session, services.settings, services.hasher, principal, body)
    out = presenters.app_out(service.view_of(session, issued.app))
    return AppCreated(**out.model_dump(), client_id=issued.app.app_id, client_secret=issued.shown)


@router.get(
    "/apps",
    response_model=AppPage,
    summary="The apps the caller may see",
    responses=problem_responses(401),
)
def list_apps(
    principal: CurrentPrincipal,
    session: DbSession,
    status: Annotated[AppStatus | None, Query(description="0, 1, 2 or 3")] = None,
    q: Annotated[str | None, Query(max_length=64, description="part of the name")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[Int64, Query(ge=0)] = 0,
) -> AppPage:
    filters = AppFilters(status=status, q=q, limit=limit, offset=offset)
    apps, total = service.list_apps(session, principal, filters)
    return AppPage(
        items=[presenters.app_summary(a) for a in apps], total=total, limit=limit, offset=offset
    )


@router.get(
    "/apps/{app_id}",
    response_model=AppOut,
    summary="One app, with its contracts",
    responses=problem_responses(401, 403, 404),
)
async def get_app(app_id: str, principal: CurrentPrincipal, services: ServicesDep) -> AppOut:
    return await view_cache.app_detail(services, principal, app_id)


@router.patch(
    "/apps/{app_id}",
    response_model=AppOut,
    summary="Change some of an app's fields",
    responses=problem_responses(401, 403, 404, 409, 422),
)
def update_app(
    app_id: str,
    body: AppUpdate,
    principal: CurrentPrincipal,
    session: DbSession,
) -> AppOut:
    service.update_app(session, principal, app_id, body)
    return presenters.app_out(service.app_view(session, principal, app_id))


@router.post(
    "/apps/{app_id}/secret/rotate",
    response_model=SecretOut,
    summary="Issue a new client secret",
    description="The previous secret stays valid for the configured overlap (24 h by default)."
    " A public client has no secret (409 `public_client`).",
    responses=problem_responses(401, 403, 404, 409),
)
def rotate_secret(
    app_id: str, principal: CurrentPrincipal, session: DbSession, services: ServicesDep
) -> SecretOut:
    issued = service.rotate_secret(session, services.settings, services.hasher, principal, app_id)
    app = issued.app
    assert app.secret_rotated_at is not None
    return SecretOut(
        client_id=app.app_id,
        client_secret=issued.secret,
        rotated_at=app.secret_rotated_at,
        previous_secret_expires_at=app.previous_secret_expires_at,
    )


router.include_router(config_endpoints.router)
router.include_router(review_endpoints.router)
router.include_router(lookup_endpoints.router)
