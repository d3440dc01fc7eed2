"""HTTP endpoints of an app's relay configuration, for its developer (``app:write``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from chainless.chain.relay import config
from chainless.chain.relay.console_schemas import WebhookPatch, WebhookSecret
from chainless.chain.relay.schemas import (
    PolicyIn,
    PolicyOut,
    WebhookCreated,
    WebhookIn,
    WebhookOut,
)
from chainless.platform.auth.dependencies import CallerRateLimit, CurrentPrincipal
from chainless.platform.auth.principal import Principal
from chainless.platform.core.deps import DbSession, ServicesDep
from chainless.platform.core.errors import problem_responses

RotationCaller = Annotated[
    Principal, Depends(CallerRateLimit("relay.webhook_secret_rotation", 10, 60))
]
router = APIRouter(prefix="/apps/{app_id}/relay", tags=["relay configuration"])


@router.get("/policy", response_model=PolicyOut, responses=problem_responses(401, 403, 404))
def get_policy(
    app_id: str, principal: CurrentPrincipal, session: DbSession, services: ServicesDep
) -> PolicyOut:
    return config.get_policy(services, session, principal, app_id)


@router.put(
    "/policy",
    response_model=PolicyOut,
    summary="Set the app's per-transaction caps and daily limits",
    responses=problem_responses(401, 403, 404, 422),
)
def put_policy(
    app_id: str,
    body: PolicyIn,
    principal: CurrentPrincipal,
    session: DbSession,
    services: ServicesDep,
) -> PolicyOut:
    return config.put_policy(services, session, principal, app_id, body)


@router.get("/webhook", response_model=WebhookOut, responses=problem_responses(401, 403, 404))
def get_webhook(app_id: str, principal: CurrentPrincipal, session: DbSession) -> WebhookOut:
    return config.get_webhook(session, principal, app_id)


@router.put(
    "/webhook",
    response_model=WebhookCreated,
    summary="Set the status webhook endpoint; answers a new signing secret, once",
    responses=problem_responses(401, 403, 404, 422),
)
def put_webhook(
    app_id: str,
    body: WebhookIn,
    principal: CurrentPrincipal,
    session: DbSession,
    services: ServicesDep,
) -> WebhookCreated:
    return config.put_webhook(services, session, principal, app_id, body)


@router.patch(
    "/webhook",
    response_model=WebhookOut,
    summary="Change the webhook's URL, event types or switch; the signing secret stays",
    responses=problem_responses(401, 403, 404, 422),
)
def patch_webhook(
    app_id: str,
    body: WebhookPatch,
    principal: CurrentPrincipal,
    session: DbSession,
    services: ServicesDep,
) -> WebhookOut:
    return config.patch_webhook(services, session, principal, app_id, body)


@router.post(
    "/webhook/rotate-secret",
    response_model=WebhookSecret,
    summary="Replace the webhook's signing secret; answers the new one, once",
    responses=problem_responses(401, 403, 404, 429),
)
def rotate_webhook_secret(
    app_id: str, principal: RotationCaller, session: DbSession, services: ServicesDep
) -> WebhookSecret:
    return config.rotate_webhook_secret(services, session, principal, app_id)
