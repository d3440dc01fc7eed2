"""A platform operator accepts a blocking audit for one deployment, with a reason.

High-impact findings keep a build out of production (``audit_blocked``); some are false
positives or accepted risks, so an operator (``deploy:audit:override``) may let that one
deployment through. The override names the operator and the reason, is written to the audit
log in the same transaction, and a deployment that was blocked is queued again: it re-runs
from its fixed commit, reusing the cached build and audit.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from chainless.deployer.contracts import builds
from chainless.deployer.deployments import repository
from chainless.deployer.deployments.pipeline import RUN_DEPLOYMENT
from chainless.deployer.models import AuditOverride, Deployment, DeploymentStatus
from chainless.platform.audit import service as audit
from chainless.platform.auth.principal import Principal
from chainless.platform.core import jobs
from chainless.platform.core.errors import Conflict, NotFound, Unprocessable

BLOCKED = "audit_blocked"


def _deployment(session: Session, app_id: str, deployment_id: str) -> Deployment:
    app = repository.app_by_id(session, app_id)
    deployment = None if app is None else repository.of_app(session, app, deployment_id)
    if deployment is None:
        raise NotFound(
            f"no deployment {deployment_id} of app {app_id}", code="deployment_not_found"
        )
    return deployment


def _requeue(session: Session, deployment: Deployment) -> None:
    deployment.status = DeploymentStatus.QUEUED
    deployment.stage = None
    deployment.error_code = deployment.error_detail = None
    deployment.finished_at = None
    repository.add_event(
        session, deployment, "queue", "queued", "queued again after an audit override"
    )
    jobs.enqueue(session, RUN_DEPLOYMENT, deployment_id=deployment.id)


def override_audit(
    session: Session, operator: Principal, app_id: str, deployment_id: str, reason: str
) -> Deployment:
    reason = reason.strip()
    if not reason:
        raise Unprocessable(
            "an audit override needs a reason that explains the accepted risk",
            code="reason_required",
        )
    deployment = _deployment(session, app_id, deployment_id)
    if builds.override_of(session, deployment.id) is not None:
        raise Conflict("this deployment's audit was already overridden", code="override_exists")
    blocked = deployment.status == DeploymentStatus.FAILED and deployment.error_code == BLOCKED
    if not blocked and deployment.status not in {DeploymentStatus.QUEUED, DeploymentStatus.RUNNING}:
        raise Conflict(
            f"deployment {deployment.id} is {deployment.status} "
            f"({deployment.error_code or 'not blocked by its audit'}): nothing to override",
            code="override_not_applicable",
        )
    builds.add_override(
        session, AuditOverride(deployment_id=deployment.id, operator_id=operator.id, reason=reason)
    )
    audit.record(
        session,
        operator,
        "deployment.audit_overridden",
        target_type="deployment",
        target_id=deployment.id,
        app_id=deployment.app_id,
        summary=reason,
        changes={"environment": [None, deployment.environment]},
    )
    if blocked:
        _requeue(session, deployment)
    return deployment
