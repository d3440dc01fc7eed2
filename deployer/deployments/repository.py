"""Every query of the deployments feature.

Reads for a caller go through an app the caller was already allowed to see
(``apps.access.app_for``), so tenant isolation stays in one place.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from chainless.deployer.models import Deployment, DeploymentEvent, WebhookDelivery
from chainless.deployer.models.deployments import (
    ACTIVE_STATUSES,
    CANCEL_REQUESTED,
    DeploymentStatus,
)
from chainless.platform.models import MiniProgram

RECENT_LIMIT = 50


def add(session: Session, deployment: Deployment) -> Deployment:
    session.add(deployment)
    session.flush()
    return deployment


def of_app(session: Session, app: MiniProgram, deployment_id: str) -> Deployment | None:
    return session.scalars(
        select(Deployment).where(Deployment.id == deployment_id, Deployment.app_id == app.app_id)
    ).first()


def recent_of_app(
    session: Session, app: MiniProgram, environment: str | None = None
) -> Sequence[Deployment]:
    statement = select(Deployment).where(Deployment.app_id == app.app_id)
    if environment is not None:
        statement = statement.where(Deployment.environment == environment)
    order = (Deployment.created_at.desc(), Deployment.id.desc())
    return session.scalars(statement.order_by(*order).limit(RECENT_LIMIT)).all()


def events_of(
    session: Session, deployment: Deployment, after: int = 0
) -> Sequence[DeploymentEvent]:
    return session.scalars(
        select(DeploymentEvent)
        .where(DeploymentEvent.deployment_id == deployment.id, DeploymentEvent.id > after)
        .order_by(DeploymentEvent.id)
    ).all()


def add_event(
    session: Session,
    deployment: Deployment,
    stage: str,
    status: str,
    message: str = "",
    data: dict[str, object] | None = None,
) -> DeploymentEvent:
    event = DeploymentEvent(
        deployment_id=deployment.id, stage=stage, status=status, message=message, data=data or {}
    )
    session.add(event)
    session.flush()
    return event


def for_job(session: Session, deployment_id: str) -> Deployment | None:
    """The deployment a job works on, locked so two workers never run the same stage.

    ``FOR NO KEY UPDATE``: other transactions may still add events to it (their foreign key
    check only shares the key), which is how a cancellation reaches a running stage.
    """
    return session.scalars(
        select(Deployment).where(Deployment.id == deployment_id).with_for_update(key_share=True)
    ).first()


def lock_unless_busy(session: Session, deployment: Deployment) -> Deployment | None:
    """The deployment locked and re-read, or ``None`` while a worker holds it (a stage runs)."""
    return session.scalars(
        select(Deployment)
        .where(Deployment.id == deployment.id)
        .with_for_update(skip_locked=True, key_share=True)
        .execution_options(populate_existing=True)
    ).first()


def cancel_request(session: Session, deployment: Deployment) -> DeploymentEvent | None:
    """The cancellation asked for since the deployment was last queued (a retry starts afresh)."""
    queued = (
        select(func.max(DeploymentEvent.id))
        .where(DeploymentEvent.deployment_id == deployment.id, DeploymentEvent.status == "queued")
        .scalar_subquery()
    )
    return session.scalars(
        select(DeploymentEvent)
        .where(
            DeploymentEvent.deployment_id == deployment.id,
            DeploymentEvent.status == CANCEL_REQUESTED,
            DeploymentEvent.id > func.coalesce(queued, 0),
        )
        .order_by(DeploymentEvent.id)
        .limit(1)
    ).first()


def retries_of(session: Session, deployment: Deployment, stage: str) -> int:
    """How often ``stage`` was retried since the deployment was last queued (a retry of a
    failed deployment starts a new budget)."""
    queued = (
        select(func.max(DeploymentEvent.id))
        .where(DeploymentEvent.deployment_id == deployment.id, DeploymentEvent.status == "queued")
        .scalar_subquery()
    )
    return int(
        session.scalar(
            select(func.count())
            .select_from(DeploymentEvent)
            .where(
                DeploymentEvent.deployment_id == deployment.id,
                DeploymentEvent.stage == stage,
                DeploymentEvent.status == "retrying",
                DeploymentEvent.id > func.coalesce(queued, 0),
            )
        )
        or 0
    )


def last_activity(session: Session, deployment: Deployment) -> datetime:
    """When the deployment last moved (its newest event), or its queue did (another
    deployment of the app and environment finished, which wakes the next one)."""
    event = session.scalar(
        select(func.max(DeploymentEvent.at)).where(DeploymentEvent.deployment_id == deployment.id)
    )
    finished = session.scalar(
        select(func.max(Deployment.finished_at)).where(
            Deployment.app_id == deployment.app_id,
            Deployment.environment == deployment.environment,
        )
    )
    return max(t for t in (deployment.created_at, event, finished) if t is not None)


def lock_app(session: Session, app_id: str) -> MiniProgram | None:
    """Serialises the claims of one app's deployments (one running per app and environment)."""
    return session.scalars(
        select(MiniProgram).where(MiniProgram.app_id == app_id).with_for_update()
    ).first()


def ahead_of(session: Session, deployment: Deployment) -> Deployment | None:
    """A deployment of the same app and environment that runs, or was queued earlier."""
    return session.scalars(
        select(Deployment)
        .where(
            Deployment.app_id == deployment.app_id,
            Deployment.environment == deployment.environment,
            Deployment.id != deployment.id,
            Deployment.status.in_([s.value for s in ACTIVE_STATUSES]),
            (Deployment.status == DeploymentStatus.RUNNING.value)
            | (Deployment.created_at < deployment.created_at),
        )
        .order_by(Deployment.created_at)
        .limit(1)
    ).first()


def next_queued(session: Session, deployment: Deployment) -> Deployment | None:
    return session.scalars(
        select(Deployment)
        .where(
            Deployment.app_id == deployment.app_id,
            Deployment.environment == deployment.environment,
            Deployment.status == DeploymentStatus.QUEUED.value,
            Deployment.id != deployment.id,
        )
        .order_by(Deployment.created_at)
        .limit(1)
    ).first()


def app_by_id(session: Session, app_id: str) -> MiniProgram | None:
    """For the webhook endpoint only: the caller is GitHub, proven by the signature afterwards."""
    return session.get(MiniProgram, app_id)


def record_delivery(session: Session, delivery: WebhookDelivery) -> bool:
    """Insert the delivery; ``False`` if its id was recorded before (a redelivery).

    Inside a savepoint, so a duplicate leaves the request's transaction usable. Recorded in the
    same transaction as the deployment it creates: if the request fails, the delivery is not
    recorded either, and GitHub's redelivery is processed.
    """
    if session.get(WebhookDelivery, delivery.delivery_id) is not None:
        return False
    try:
        with session.begin_nested():
            session.add(delivery)
    except IntegrityError:
        return False
    return True


def newer_than(session: Session, deployment: Deployment) -> Deployment | None:
    """A deployment of the same app and environment requested after this one."""
    return session.scalars(
        select(Deployment)
        .where(
            Deployment.app_id == deployment.app_id,
            Deployment.environment == deployment.environment,
            Deployment.created_at > deployment.created_at,
            Deployment.id != deployment.id,
        )
        .order_by(Deployment.created_at.desc())
        .limit(1)
    ).first()
