"""HTTP endpoints of deployments: ``/api/v1/apps/{app_id}/deployments`` and the GitHub webhook."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query, Request, Response
from fastapi.responses import PlainTextResponse, StreamingResponse
from starlette.concurrency import run_in_threadpool

from chainless.deployer.contracts import overrides
from chainless.deployer.deployments import cancellation, repository, retries, service, streaming
from chainless.deployer.deployments.pipeline import STAGES
from chainless.deployer.deployments.schemas import (
    AuditOverrideIn,
    DeployedContractOut,
    DeploymentDetailOut,
    DeploymentEventOut,
    DeploymentOut,
    DeploymentRequest,
    Environment,
    RepositoryCheckOut,
    WebhookAnswer,
    WebhookSetupOut,
)
from chainless.deployer.models import Deployment, DeploymentEvent
from chainless.platform.auth.dependencies import CurrentPrincipal, Require
from chainless.platform.auth.principal import Principal
from chainless.platform.core.bounded import INT64_MAX, Int64
from chainless.platform.core.deps import DbSession, RateLimit, ServicesDep
from chainless.platform.core.errors import problem_responses
from chainless.platform.core.permissions import Permission

router = APIRouter(tags=["deployments"])
AuditOverrider = Annotated[Principal, Depends(Require(Permission.DEPLOY_AUDIT_OVERRIDE))]


def _out(deployment: Deployment) -> DeploymentOut:
    return DeploymentOut.model_validate(deployment, from_attributes=True)


def _event(event: DeploymentEvent) -> DeploymentEventOut:
    return DeploymentEventOut.model_validate(event, from_attributes=True)


@router.post(
    "/apps/{app_id}/deployments",
    status_code=202,
    response_model=DeploymentOut,
    summary="Deploy a branch, tag or commit of the app's repository",
    description="Queued at once; follow it with GET .../deployments/{id} (status and events).",
    responses=problem_responses(401, 403, 404, 422),
)
def request_deployment(
    app_id: str, body: DeploymentRequest, principal: CurrentPrincipal, session: DbSession
) -> DeploymentOut:
    return _out(service.request_deployment(session, principal, app_id, body))


@router.get(
    "/apps/{app_id}/deployments",
    response_model=list[DeploymentOut],
    summary="The app's recent deployments, newest first",
    responses=problem_responses(401, 403, 404),
)
def list_deployments(
    app_id: str,
    principal: CurrentPrincipal,
    session: DbSession,
    environment: Environment | None = None,
) -> list[DeploymentOut]:
    return [_out(d) for d in service.deployments_of(session, principal, app_id, environment)]


@router.get(
    "/apps/{app_id}/deployments/{deployment_id}",
    response_model=DeploymentDetailOut,
    summary="A deployment with its progress events",
    description="Poll with `after` (the last event id seen) to receive only new events.",
    responses=problem_responses(401, 403, 404),
)
def get_deployment(
    app_id: str,
    deployment_id: str,
    principal: CurrentPrincipal,
    session: DbSession,
    after: Annotated[Int64, Query(ge=0)] = 0,
) -> DeploymentDetailOut:
    deployment, events = service.deployment_of(session, principal, app_id, deployment_id, after)
    pending = repository.cancel_request(session, deployment) is not None
    return DeploymentDetailOut(
        **_out(deployment).model_copy(update={"cancel_requested": pending}).model_dump(),
        manifest=deployment.manifest,
        artifacts=deployment.artifacts,
        events=[_event(e) for e in events],
        stages=[stage.name for stage in STAGES],
    )


@router.get(
    "/apps/{app_id}/deployments/{deployment_id}/events",
    response_class=StreamingResponse,
    summary="A deployment's progress as Server-Sent Events",
    description="`text/event-stream`: every event after `Last-Event-ID` (or `after`) as "
    "`deployment.event` with its id, then `deployment.finished` with the outcome. Reconnect "
    "with the last id after a drop; a stream closes after 15 minutes.",
    responses={
        **problem_responses(401, 403, 404, 429),
        200: {"content": {"text/event-stream": {}}},
    },
)
async def stream_deployment_events(
    app_id: str,
    deployment_id: str,
    principal: CurrentPrincipal,
    session: DbSession,
    services: ServicesDep,
    after: Annotated[Int64, Query(ge=0)] = 0,
    last_event_id: Annotated[str | None, Header(max_length=20)] = None,
) -> StreamingResponse:
    streaming.admit(services)
    resume = (
        min(int(last_event_id), INT64_MAX) if last_event_id and last_event_id.isdigit() else after
    )
    start = await run_in_threadpool(
        lambda: streaming.opening(
            *service.deployment_of(session, principal, app_id, deployment_id, resume)
        )
    )
    headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    return StreamingResponse(
        streaming.stream(services, start), media_type="text/event-stream", headers=headers
    )


@router.get(
    "/apps/{app_id}/deployments/{deployment_id}/logs/{name}",
    response_class=PlainTextResponse,
    summary="A build step's log (names are in the deployment's events)",
    responses=problem_responses(401, 403, 404),
)
def get_deployment_log(
    app_id: str,
    deployment_id: str,
    name: str,
    principal: CurrentPrincipal,
    session: DbSession,
    services: ServicesDep,
) -> PlainTextResponse:
    data = service.deployment_log(session, services.storage, principal, app_id, deployment_id, name)
    return PlainTextResponse(data.decode("utf-8", errors="replace"))


@router.post(
    "/apps/{app_id}/deployments/{deployment_id}/audit-override",
    response_model=DeploymentOut,
    summary="Let a deployment with high-impact audit findings go to production (operators)",
    description="Recorded with the reason in the audit log; a blocked deployment is queued again.",
    responses=problem_responses(401, 403, 404, 409, 422),
)
def override_audit(
    app_id: str,
    deployment_id: str,
    body: AuditOverrideIn,
    principal: AuditOverrider,
    session: DbSession,
) -> DeploymentOut:
    return _out(overrides.override_audit(session, principal, app_id, deployment_id, body.reason))


@router.post(
    "/apps/{app_id}/deployments/{deployment_id}/retry",
    status_code=202,
    response_model=DeploymentOut,
    summary="Resume a failed deployment from the stage that failed",
    description="Earlier stages' results and the contracts already deployed are kept. Only the "
    "newest deployment of its environment can be retried.",
    responses=problem_responses(401, 403, 404, 409),
)
def retry_deployment(
    app_id: str, deployment_id: str, principal: CurrentPrincipal, session: DbSession
) -> DeploymentOut:
    return _out(retries.retry_deployment(session, principal, app_id, deployment_id))


@router.post(
    "/apps/{app_id}/deployments/{deployment_id}/cancel",
    status_code=202,
    response_model=DeploymentOut,
    summary="Cancel a deployment that has not finished",
    description="A waiting deployment ends at once (`cancelled`). While a stage runs the answer "
    "has `cancel_requested`; the deployment ends when that stage or step ends, so nothing is "
    "left half done. Retry resumes it from the next stage.",
    responses=problem_responses(401, 403, 404, 409),
)
def cancel_deployment(
    app_id: str, deployment_id: str, principal: CurrentPrincipal, session: DbSession
) -> DeploymentOut:
    done = cancellation.cancel_deployment(session, principal, app_id, deployment_id)
    return _out(done.deployment).model_copy(update={"cancel_requested": done.pending})


@router.get(
    "/apps/{app_id}/deployed-contracts",
    response_model=list[DeployedContractOut],
    summary="The app's contracts confirmed on chain, per environment",
    description="Newest first within each environment; `source_verified` says whether the code "
    "at the address is the build of the repository's sources.",
    responses=problem_responses(401, 403, 404),
)
def list_deployed_contracts(
    app_id: str,
    principal: CurrentPrincipal,
    session: DbSession,
    environment: Environment | None = None,
) -> list[DeployedContractOut]:
    return [
        DeployedContractOut.model_validate(row, from_attributes=True)
        for row in service.deployed_contracts_of(session, principal, app_id, environment)
    ]


@router.post(
    "/apps/{app_id}/deploy/check",
    response_model=RepositoryCheckOut,
    summary="Check the registered repository with its host (public, default branch)",
    responses=problem_responses(401, 403, 404, 422, 503),
)
def check_repository(
    app_id: str, principal: CurrentPrincipal, session: DbSession, services: ServicesDep
) -> RepositoryCheckOut:
    return service.check_repository(session, services.settings, principal, app_id)


@router.get(
    "/apps/{app_id}/deploy/webhook",
    response_model=WebhookSetupOut,
    summary="The GitHub webhook to add to the repository (payload URL and secret)",
    responses=problem_responses(401, 403, 404),
)
def webhook_setup(
    app_id: str,
    principal: CurrentPrincipal,
    session: DbSession,
    services: ServicesDep,
    response: Response,
) -> WebhookSetupOut:
    response.headers["Cache-Control"] = "no-store"
    return service.webhook_setup(session, services.settings, principal, app_id)


@router.post(
    "/deployer/webhooks/github/{app_id}",
    response_model=WebhookAnswer,
    summary="GitHub webhook deliveries (push events deploy to dev)",
    description="Signed with `X-Hub-Signature-256`; a repeated `X-GitHub-Delivery` is a no-op.",
    responses={**problem_responses(400, 401, 404, 429), 202: {"model": WebhookAnswer}},
    # GitHub delivers from a few addresses for every repository: a generous limit per IP.
    dependencies=[Depends(RateLimit("deployer.github_webhook", 1200, 60))],
)
async def github_webhook(
    app_id: str, request: Request, response: Response, session: DbSession, services: ServicesDep
) -> WebhookAnswer:
    body = await request.body()  # the signature covers the raw bytes
    answer = await run_in_threadpool(
        service.receive_github, session, services.settings, app_id, request.headers, body
    )
    if answer.status == "queued":
        response.status_code = 202
    return answer
