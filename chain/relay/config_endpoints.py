"""HTTP endpoints of an app's relay configuration, for its developer (``app:write``)."""

from __future__ import annotations

from fastapi import APIRouter

from chainless.chain.relay import config
from chainless.chain.relay.schemas import (
    PolicyIn,
    PolicyOut,
    WebhookCreated,
    WebhookIn,
    WebhookOut,
)
from chainless.platform.auth.dependencies import CurrentPrincipal
from chainless.platform.core.deps import DbSession, ServicesDep
from chainless.platform.core.errors import problem_responses

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
    return config.put_webhook(services, session, principal, app_id, body.url)
