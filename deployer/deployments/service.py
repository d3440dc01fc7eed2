"""Deployment use cases: a developer's request, a GitHub push, and reading the progress.

Both ways in create a ``queued`` deployment and send the pipeline's job after the commit; the
pipeline (``pipeline.py``) does the work. Services never commit: the request scope does.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from sqlalchemy.orm import Session

from chainless.deployer import webhooks
from chainless.deployer.contracts import deployed
from chainless.deployer.deployments import artifacts, repository
from chainless.deployer.deployments.pipeline import RUN_DEPLOYMENT
from chainless.deployer.deployments.schemas import (
    DeploymentRequest,
    RepositoryCheckOut,
    WebhookAnswer,
    WebhookSetupOut,
)
from chainless.deployer.models import (
    DeployedContract,
    Deployment,
    DeploymentEvent,
    WebhookDelivery,
)
from chainless.deployer.sources import check_ref, source_for
from chainless.platform.apps import access
from chainless.platform.audit import service as audit
from chainless.platform.auth.principal import Principal
from chainless.platform.core import jobs
from chainless.platform.core.errors import NotFound, Unprocessable
from chainless.platform.core.permissions import Permission
from chainless.platform.core.security import new_hex_id
from chainless.platform.core.settings import Settings
from chainless.platform.core.storage import ObjectStorage
from chainless.platform.models import MiniProgram

GITHUB_ACTOR = "github"


def _create(
    session: Session,
    app: MiniProgram,
    *,
    environment: str,
    ref: str,
    trigger: str,
    requested_by: str,
    commit_sha: str | None = None,
    rollout: str = "immediate",
) -> Deployment:
    assert app.repo_url is not None
    deployment = repository.add(
        session,
        Deployment(
            id=new_hex_id(),
            app_id=app.app_id,
            environment=environment,
            repo_url=app.repo_url,
            ref=ref,
            commit_sha=commit_sha,
            trigger=trigger,
            requested_by=requested_by,
            rollout=rollout,
        ),
    )
    repository.add_event(session, deployment, "queue", "queued", f"{ref} to {environment}")
    jobs.enqueue(session, RUN_DEPLOYMENT, deployment_id=deployment.id)
    return deployment


def request_deployment(
    session: Session, principal: Principal, app_id: str, body: DeploymentRequest
) -> Deployment:
    """A deploy of a branch, tag or commit, from the API, the CLI (an API key) or the console."""
    app = access.app_for(session, principal, app_id, Permission.DEPLOY_REQUEST)
    if not app.repo_url:
        raise Unprocessable(
            f"app {app_id} has no repository; register it first (PUT /api/v1/apps/{app_id}/deploy)",
            code="repo_not_registered",
        )
    ref = check_ref(body.ref or app.repo_branch or "main")
    deployment = _create(
        session,
        app,
        environment=body.environment,
        ref=ref,
        trigger="api",
        requested_by=principal.id,
        rollout=body.rollout,
    )
    audit.record(
        session,
        principal,
        "deployment.requested",
        target_type="deployment",
        target_id=deployment.id,
        app_id=app.app_id,
        summary=f"{ref} to {body.environment}",
    )
    return deployment


def deployments_of(
    session: Session, principal: Principal, app_id: str, environment: str | None
) -> Sequence[Deployment]:
    app = access.app_for(session, principal, app_id, Permission.APP_READ)
    return repository.recent_of_app(session, app, environment)


DEPLOYED_CONTRACTS_LIMIT = 200


def deployed_contracts_of(
    session: Session, principal: Principal, app_id: str, environment: str | None
) -> Sequence[DeployedContract]:
    """The app's contracts confirmed on chain (the source-verified fact of its profile)."""
    app = access.app_for(session, principal, app_id, Permission.APP_READ)
    return deployed.deployed_of_app(session, app, environment, DEPLOYED_CONTRACTS_LIMIT)


def _visible(session: Session, principal: Principal, app_id: str, deployment_id: str) -> Deployment:
    app = access.app_for(session, principal, app_id, Permission.APP_READ)
    deployment = repository.of_app(session, app, deployment_id)
    if deployment is None:
        raise NotFound(
            f"no deployment {deployment_id} of app {app_id}", code="deployment_not_found"
        )
    return deployment


def deployment_of(
    session: Session, principal: Principal, app_id: str, deployment_id: str, after: int = 0
) -> tuple[Deployment, Sequence[DeploymentEvent]]:
    deployment = _visible(session, principal, app_id, deployment_id)
    return deployment, repository.events_of(session, deployment, after)


_LOG_NAME = re.compile(r"^[0-9]{2}-[A-Za-z0-9_-]{1,40}\.log$")


def deployment_log(
    session: Session,
    storage: ObjectStorage,
    principal: Principal,
    app_id: str,
    deployment_id: str,
    name: str,
) -> bytes:
    """One build step's log, as the sandbox captured it (bounded, see docs/deployer.md)."""
    deployment = _visible(session, principal, app_id, deployment_id)
    key = artifacts.log_key(deployment.id, name)
    if not _LOG_NAME.match(name) or not storage.exists(key):
        raise NotFound(f"no log {name!r} for deployment {deployment_id}", code="log_not_found")
    return storage.get(key)


def check_repository(
    session: Session, settings: Settings, principal: Principal, app_id: str
) -> RepositoryCheckOut:
    """Ask the repository's host whether it is public and what its default branch is.

    Registration (``PUT /apps/{id}/deploy``) only checks the URL's form; this asks the host, so
    a private or missing repository is found before the first deployment.
    """
    app = access.app_for(session, principal, app_id, Permission.DEPLOY_REQUEST)
    if not app.repo_url:
        raise Unprocessable(f"app {app_id} has no repository", code="repo_not_registered")
    info = source_for(app.repo_url, settings).describe(app.repo_url)
    return RepositoryCheckOut(
        repo_url=app.repo_url,
        full_name=info.full_name,
        public=not info.private,
        default_branch=info.default_branch,
        registered_branch=app.repo_branch,
    )


def webhook_setup(
    session: Session, settings: Settings, principal: Principal, app_id: str
) -> WebhookSetupOut:
    app = access.app_for(session, principal, app_id, Permission.DEPLOY_REQUEST)
    return WebhookSetupOut(
        payload_url=f"{settings.public_url}/api/v1/deployer/webhooks/github/{app.app_id}",
        secret=webhooks.webhook_secret(settings.secret_key, app.app_id),
    )


def receive_github(
    session: Session, settings: Settings, app_id: str, headers: Mapping[str, str], body: bytes
) -> WebhookAnswer:
    """A GitHub delivery: signed by the app's secret, processed once, pushes deploy to dev."""
    app = repository.app_by_id(session, app_id)
    if app is None:
        raise NotFound("no such webhook", code="webhook_not_found")
    secret = webhooks.webhook_secret(settings.secret_key, app.app_id)
    webhooks.verify_signature(secret, body, headers.get(webhooks.SIGNATURE_HEADER))
    delivery_id = webhooks.check_delivery_id(headers.get(webhooks.DELIVERY_HEADER))
    event = (headers.get(webhooks.EVENT_HEADER) or "")[:32]
    decision = webhooks.decide(event, body)
    push = decision.push
    if push is not None and not (app.repo_url and webhooks.same_repository(push, app.repo_url)):
        decision = webhooks.Decision("ignore", f"{push.repo_full_name} is not the app's repository")
    delivery = WebhookDelivery(
        delivery_id=delivery_id,
        app_id=app.app_id,
        event=event,
        outcome="deployed" if decision.action == "deploy" else "ignored",
        reason=decision.reason,
    )
    if not repository.record_delivery(session, delivery):
        return WebhookAnswer(status="duplicate", reason=f"delivery {delivery_id} already received")
    if decision.action != "deploy" or decision.push is None:
        return WebhookAnswer(status="ignored", reason=decision.reason)
    deployment = _create(
        session,
        app,
        environment="dev",
        ref=decision.push.name,
        trigger="webhook",
        requested_by=GITHUB_ACTOR,
        commit_sha=decision.push.commit_sha,
    )
    delivery.deployment_id = deployment.id
    audit.record(
        session,
        GITHUB_ACTOR,
        "deployment.requested",
        target_type="deployment",
        target_id=deployment.id,
        app_id=app.app_id,
        summary=f"push of {decision.push.kind} {decision.push.name} to dev",
    )
    return WebhookAnswer(status="queued", reason=decision.reason, deployment_id=deployment.id)
