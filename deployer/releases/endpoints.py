"""HTTP endpoints of releases: ``/api/v1/apps/{app_id}/environments/{env}/...``."""

from __future__ import annotations

from fastapi import APIRouter

from chainless.deployer.deployments.schemas import Environment
from chainless.deployer.releases import service
from chainless.deployer.releases.schemas import (
    CanaryIn,
    ChannelOut,
    ReleaseEventOut,
    ReleaseOut,
    RollbackIn,
)
from chainless.platform.auth.dependencies import CurrentPrincipal
from chainless.platform.core.deps import DbSession, ServicesDep
from chainless.platform.core.errors import problem_responses

router = APIRouter(tags=["releases"])
BASE = "/apps/{app_id}/environments/{environment}"


@router.get(
    f"{BASE}/releases",
    response_model=ChannelOut,
    summary="The environment's releases, the current one and the canary",
    responses=problem_responses(401, 403, 404),
)
def list_releases(
    app_id: str,
    environment: Environment,
    principal: CurrentPrincipal,
    session: DbSession,
    services: ServicesDep,
) -> ChannelOut:
    return service.channel_view(session, services.settings, principal, app_id, environment)


@router.get(
    f"{BASE}/releases/{{version}}",
    response_model=ReleaseOut,
    summary="One release: its commit, site and signed manifest",
    responses=problem_responses(401, 403, 404),
)
def get_release(
    app_id: str,
    environment: Environment,
    version: str,
    principal: CurrentPrincipal,
    session: DbSession,
    services: ServicesDep,
) -> ReleaseOut:
    return service.release_of(session, services.settings, principal, app_id, environment, version)


@router.post(
    f"{BASE}/releases/{{version}}/canary",
    response_model=ChannelOut,
    summary="Serve a release to a share of users (sticky per user; the share may only grow)",
    responses=problem_responses(401, 403, 404, 409),
)
def start_canary(
    app_id: str,
    environment: Environment,
    version: str,
    body: CanaryIn,
    principal: CurrentPrincipal,
    session: DbSession,
    services: ServicesDep,
) -> ChannelOut:
    return service.start_canary(
        session,
        services.settings,
        services.counters,
        principal,
        app_id,
        environment,
        version,
        body.percent,
    )


@router.post(
    f"{BASE}/releases/{{version}}/promote",
    response_model=ChannelOut,
    summary="Make a release current for every user",
    responses=problem_responses(401, 403, 404, 409),
)
def promote(
    app_id: str,
    environment: Environment,
    version: str,
    principal: CurrentPrincipal,
    session: DbSession,
    services: ServicesDep,
) -> ChannelOut:
    return service.promote(session, services.settings, principal, app_id, environment, version)


@router.post(
    f"{BASE}/canary/cancel",
    response_model=ChannelOut,
    summary="Stop the canary: every user is back on the current release",
    responses=problem_responses(401, 403, 404, 409),
)
def cancel_canary(
    app_id: str,
    environment: Environment,
    principal: CurrentPrincipal,
    session: DbSession,
    services: ServicesDep,
) -> ChannelOut:
    return service.cancel_canary(session, services.settings, principal, app_id, environment)


@router.post(
    f"{BASE}/rollback",
    response_model=ChannelOut,
    summary="Switch at once to one of the last releases; clears any canary",
    responses=problem_responses(401, 403, 404, 409),
)
def rollback(
    app_id: str,
    environment: Environment,
    body: RollbackIn,
    principal: CurrentPrincipal,
    session: DbSession,
    services: ServicesDep,
) -> ChannelOut:
    return service.rollback(
        session, services.settings, principal, app_id, environment, body.version
    )


@router.get(
    f"{BASE}/history",
    response_model=list[ReleaseEventOut],
    summary="Who released, promoted, rolled back what, when, from which commit (newest first)",
    responses=problem_responses(401, 403, 404),
)
def history(
    app_id: str, environment: Environment, principal: CurrentPrincipal, session: DbSession
) -> list[ReleaseEventOut]:
    return [
        ReleaseEventOut.model_validate(e, from_attributes=True)
        for e in service.history(session, principal, app_id, environment)
    ]
