"""HTTP endpoints of the apikeys feature: ``/api/v1/apps/{app_id}/api-keys``."""

from __future__ import annotations

from fastapi import APIRouter, Response

from chainless.platform.apikeys import repository, service
from chainless.platform.apikeys.auth import CallingKey, ManagedApp
from chainless.platform.apikeys.schemas import (
    ApiKeyCreate,
    ApiKeyCreated,
    ApiKeyOut,
    CallingKeyOut,
    RevokedKeyOut,
    RevokeRequest,
)
from chainless.platform.auth.dependencies import CurrentPrincipal
from chainless.platform.core.deps import DbSession, ReadSession, ServicesDep
from chainless.platform.core.errors import problem_responses

router = APIRouter(prefix="/apps/{app_id}/api-keys", tags=["api-keys"])
_MANAGE_ERRORS = problem_responses(401, 403, 404, 429)


def _no_store(response: Response) -> None:
    """A response carrying a secret must not sit in any cache."""
    response.headers["Cache-Control"] = "no-store"


@router.post(
    "",
    status_code=201,
    response_model=ApiKeyCreated,
    summary="Create an API key",
    description="The full key is in this response only; store it now.",
    responses=problem_responses(401, 403, 404, 422, 429),
)
def create_api_key(
    body: ApiKeyCreate,
    app: ManagedApp,
    principal: CurrentPrincipal,
    session: DbSession,
    services: ServicesDep,
    response: Response,
) -> ApiKeyCreated:
    _no_store(response)
    issued = service.create_key(session, services, principal, app, body)
    return service.created_view(services, issued)


@router.get(
    "", response_model=list[ApiKeyOut], summary="List the app's API keys", responses=_MANAGE_ERRORS
)
def list_api_keys(app: ManagedApp, session: DbSession, services: ServicesDep) -> list[ApiKeyOut]:
    return service.describe(services, repository.keys_of(session, app))


@router.get(
    "/revoked",
    response_model=list[RevokedKeyOut],
    summary="The revocation list",
    responses=_MANAGE_ERRORS,
)
def revoked_api_keys(app: ManagedApp, session: DbSession) -> list[RevokedKeyOut]:
    return [
        RevokedKeyOut(id=k.id, prefix=k.prefix, revoked_at=k.revoked_at)
        for k in repository.revoked_of(session, app)
        if k.revoked_at is not None
    ]


@router.get(
    "/self",
    response_model=CallingKeyOut,
    summary="Which API key is calling",
    description="For an API key on its own app: its prefix, scopes and remaining limit.",
    responses=problem_responses(401, 403, 404, 429),
)
def calling_api_key(
    principal: CallingKey, session: ReadSession, services: ServicesDep
) -> CallingKeyOut:
    return service.calling_key(session, services, principal)


@router.get("/{key_id}", response_model=ApiKeyOut, summary="One API key", responses=_MANAGE_ERRORS)
def get_api_key(
    key_id: str, app: ManagedApp, session: DbSession, services: ServicesDep
) -> ApiKeyOut:
    return service.describe(services, [service.get_key(session, app, key_id)])[0]


@router.post(
    "/{key_id}/rotate",
    status_code=201,
    response_model=ApiKeyCreated,
    summary="Rotate an API key",
    description="A new key with the same settings, shown once. The old key keeps "
    "working until the rotation overlap ends (or its own expiry, if sooner).",
    responses=problem_responses(401, 403, 404, 409, 429),
)
def rotate_api_key(
    key_id: str,
    app: ManagedApp,
    principal: CurrentPrincipal,
    session: DbSession,
    services: ServicesDep,
    response: Response,
) -> ApiKeyCreated:
    _no_store(response)
    issued = service.rotate_key(session, services, principal, app, key_id)
    return service.created_view(services, issued)


@router.post(
    "/{key_id}/revoke",
    response_model=ApiKeyOut,
    summary="Revoke an API key now",
    responses=problem_responses(401, 403, 404, 409, 422, 429),
)
def revoke_api_key(
    key_id: str,
    body: RevokeRequest,
    app: ManagedApp,
    principal: CurrentPrincipal,
    session: DbSession,
    services: ServicesDep,
) -> ApiKeyOut:
    key = service.revoke_key(session, principal, app, key_id, body.reason)
    return service.describe(services, [key])[0]
