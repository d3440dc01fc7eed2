"""A developer cancels a deployment that has not finished.

Waiting (queued, or between two stages) it ends at once. While a stage runs, its worker holds the
deployment's row, so the request is left as a ``cancel_requested`` event and the pipeline ends the
deployment at the next stage or step boundary: a stage that has started runs to its end (a
contract signed is broadcast and recorded, a build is stored), so nothing is left half done and a
retry resumes from the stage that was next.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from chainless.deployer.deployments import pipeline, repository
from chainless.deployer.models import Deployment
from chainless.deployer.models.deployments import CANCEL_REQUESTED, FINISHED_STATUSES
from chainless.platform.apps import access
from chainless.platform.audit import service as audit
from chainless.platform.auth.principal import Principal
from chainless.platform.core.errors import Conflict, NotFound
from chainless.platform.core.permissions import Permission


@dataclass(frozen=True)
class Cancellation:
    deployment: Deployment
    pending: bool  # True: a stage is running; it ends at the next boundary


def cancel_deployment(
    session: Session, principal: Principal, app_id: str, deployment_id: str
) -> Cancellation:
    app = access.app_for(session, principal, app_id, Permission.DEPLOY_REQUEST)
    found = repository.of_app(session, app, deployment_id)
    if found is None:
        raise NotFound(
            f"no deployment {deployment_id} of app {app_id}", code="deployment_not_found"
        )
    deployment = repository.lock_unless_busy(session, found)
    current = deployment or found
    if current.status in FINISHED_STATUSES:
        raise Conflict(
            f"deployment {current.id} already {current.status}", code="deployment_finished"
        )
    if deployment is not None:  # no stage is running: it ends now
        before = deployment.status
        repository.add_event(
            session, deployment, "deployment", CANCEL_REQUESTED, data={"by": principal.id}
        )
        pipeline.cancel(session, deployment, repository.cancel_request(session, deployment))
        _audit(session, principal, deployment, "deployment.cancelled", before)
        return Cancellation(deployment, pending=False)
    if repository.cancel_request(session, found) is None:
        repository.add_event(
            session, found, found.stage or "deployment", CANCEL_REQUESTED, data={"by": principal.id}
        )
        _audit(session, principal, found, "deployment.cancel_requested", found.status)
    return Cancellation(found, pending=True)


def _audit(
    session: Session, principal: Principal, deployment: Deployment, action: str, before: str
) -> None:
    after = deployment.status if action == "deployment.cancelled" else before
    audit.record(
        session,
        principal,
        action,
        target_type="deployment",
        target_id=deployment.id,
        app_id=deployment.app_id,
        summary=f"{deployment.environment} deployment of {deployment.ref}"
        + ("" if action == "deployment.cancelled" else ", after the running stage"),
        changes={"status": [str(before), str(after)]},
    )
