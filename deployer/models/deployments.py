"""A deployment of one commit of an app's repository to one environment, and its history.

A deployment is requested (API, CLI, console) or triggered by a GitHub push; the pipeline moves
it from ``queued`` through its stages to ``succeeded`` or ``failed``, appending an event at each
step so clients can follow the progress. Deliveries of GitHub webhooks are kept by their
``X-GitHub-Delivery`` id: the primary key is what makes a redelivery do nothing.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from chainless.platform.core.clock import utcnow
from chainless.platform.models.base import Base, BigId


class DeploymentStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"


ACTIVE_STATUSES = (DeploymentStatus.QUEUED, DeploymentStatus.RUNNING)
FINISHED_STATUSES = frozenset(
    {DeploymentStatus.SUCCEEDED, DeploymentStatus.FAILED, DeploymentStatus.CANCELLED}
)
# The event a cancellation request leaves while a stage runs (the deployment's row is the
# stage's, locked until it ends); the pipeline honours it at the next stage or step boundary.
CANCEL_REQUESTED = "cancel_requested"


class Deployment(Base):
    __tablename__ = "deployments"
    __table_args__ = (
        Index("ix_deployments_app_env_status", "app_id", "environment", "status"),
        Index("ix_deployments_app_created", "app_id", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    app_id: Mapped[str] = mapped_column(ForeignKey("mini_programs.app_id", ondelete="CASCADE"))
    environment: Mapped[str] = mapped_column(String(8))
    repo_url: Mapped[str] = mapped_column(String(512))
    ref: Mapped[str] = mapped_column(String(255))  # as requested: branch, tag or commit
    commit_sha: Mapped[str | None] = mapped_column(String(40))  # once resolved
    trigger: Mapped[str] = mapped_column(String(16))  # api | webhook
    requested_by: Mapped[str] = mapped_column(String(64))  # account or API key id, or "github"
    status: Mapped[str] = mapped_column(String(16), default=DeploymentStatus.QUEUED)
    stage: Mapped[str | None] = mapped_column(String(32))  # the stage running or last run
    # a failed deployment queued again (POST .../retry) starts at this stage when claimed
    resume_stage: Mapped[str | None] = mapped_column(String(32))
    # immediate: the release goes live when published; staged: it waits for canary or promote
    rollout: Mapped[str] = mapped_column(
        String(16), default="immediate", server_default="immediate"
    )
    manifest: Mapped[dict[str, Any] | None]
    artifacts: Mapped[dict[str, Any] | None]  # what the stages produced (frontend files, ...)
    error_code: Mapped[str | None] = mapped_column(String(64))
    error_detail: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]


class DeploymentEvent(Base):
    """One step of a deployment's progress, in order (``id`` increases)."""

    __tablename__ = "deployment_events"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    deployment_id: Mapped[str] = mapped_column(
        ForeignKey("deployments.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime] = mapped_column(default=utcnow)
    stage: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16))  # started, progress, retrying, succeeded, ...
    message: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)


class WebhookDelivery(Base):
    __tablename__ = "webhook_deliveries"

    delivery_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    app_id: Mapped[str] = mapped_column(
        ForeignKey("mini_programs.app_id", ondelete="CASCADE"), index=True
    )
    event: Mapped[str] = mapped_column(String(32))
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    outcome: Mapped[str] = mapped_column(String(16))  # deployed | ignored
    reason: Mapped[str] = mapped_column(Text, default="")
    deployment_id: Mapped[str | None] = mapped_column(
        ForeignKey("deployments.id", ondelete="SET NULL")
    )
