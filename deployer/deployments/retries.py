"""A developer resumes a failed (or cancelled) deployment from the stage that failed (or was next).

Stages before it keep what they produced (the commit, the manifest, the build, the audit) and the
contracts already on chain stay recorded (``deployed_contracts``), so the resumed run carries on
where it stopped: a contract recorded is never signed again. Only the newest deployment of an
app and environment may be resumed: an older one would put superseded code back.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from chainless.deployer.deployments import repository
from chainless.deployer.deployments.pipeline import RUN_DEPLOYMENT, STAGES
from chainless.deployer.models import Deployment, DeploymentStatus
from chainless.platform.apps import access
from chainless.platform.audit import service as audit
from chainless.platform.auth.principal import Principal
from chainless.platform.core import jobs
from chainless.platform.core.errors import Conflict, NotFound
from chainless.platform.core.permissions import Permission


def retry_deployment(
    session: Session, principal: Principal, app_id: str, deployment_id: str
) -> Deployment:
    app = access.app_for(session, principal, app_id, Permission.DEPLOY_REQUEST)
    repository.lock_app(session, app.app_id)  # serialised with the pipeline's claims
    deployment = repository.of_app(session, app, deployment_id)
    if deployment is None:
        raise NotFound(
            f"no deployment {deployment_id} of app {app_id}", code="deployment_not_found"
        )
    if deployment.status not in {DeploymentStatus.FAILED, DeploymentStatus.CANCELLED}:
        raise Conflict(
            f"deployment {deployment.id} is {deployment.status}: only a failed or cancelled "
            "deployment can be retried",
            code="deployment_not_failed",
        )
    newer = repository.newer_than(session, deployment)
    if newer is not None:
        raise Conflict(
            f"deployment {newer.id} of {deployment.environment} was requested after this one; "
            "deploy again instead",
            code="deployment_superseded",
            superseded_by=newer.id,
        )
    resume = deployment.stage if deployment.stage in {s.name for s in STAGES} else None
    failed, before = deployment.error_code, deployment.status
    deployment.status = DeploymentStatus.QUEUED
    deployment.resume_stage, deployment.stage = resume, None
    deployment.error_code = deployment.error_detail = None
    deployment.finished_at = None
    where = f"from the {resume} stage" if resume else "from the start"
    repository.add_event(session, deployment, "queue", "queued", f"retried {where}")
    jobs.enqueue(session, RUN_DEPLOYMENT, deployment_id=deployment.id)
    audit.record(
        session,
        principal,
        "deployment.retried",
        target_type="deployment",
        target_id=deployment.id,
        app_id=app.app_id,
        summary=f"{where} after {failed}",
        changes={"status": [str(before), DeploymentStatus.QUEUED.value]},
    )
    return deployment
