"""Releases of an app's frontend per environment, the live pointer, and their history.

A release is one published version (increase-only per app and environment) built by one
deployment; its signed manifest lies in object storage. The channel row of an environment says
which release is current and which one (if any) is the canary and for what share of users; it is
updated under a row lock, so switching (blue-green), canary, promotion and rollback are each one
atomic change. Every change is also appended to ``release_events`` (the history shown by the API)
and to the audit log.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from chainless.platform.core.clock import utcnow
from chainless.platform.models.base import Base, BigId


class Release(Base):
    __tablename__ = "releases"
    __table_args__ = (
        UniqueConstraint("app_id", "environment", "version", name="uq_releases_app_env_version"),
        Index("ix_releases_app_env_created", "app_id", "environment", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    app_id: Mapped[str] = mapped_column(ForeignKey("mini_programs.app_id", ondelete="CASCADE"))
    environment: Mapped[str] = mapped_column(String(8))
    version: Mapped[str] = mapped_column(String(16))
    deployment_id: Mapped[str] = mapped_column(ForeignKey("deployments.id", ondelete="CASCADE"))
    commit_sha: Mapped[str] = mapped_column(String(40))
    bundle_hash: Mapped[str] = mapped_column(String(64))  # names the published site
    manifest_key: Mapped[str] = mapped_column(String(512))  # the signed manifest (JWS)
    manifest_kid: Mapped[str] = mapped_column(String(32), index=True)  # the key that signed it
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ReleaseChannel(Base):
    """The live pointer of one app in one environment."""

    __tablename__ = "release_channels"

    app_id: Mapped[str] = mapped_column(
        ForeignKey("mini_programs.app_id", ondelete="CASCADE"), primary_key=True
    )
    environment: Mapped[str] = mapped_column(String(8), primary_key=True)
    current_release_id: Mapped[str | None] = mapped_column(
        ForeignKey("releases.id", ondelete="SET NULL")
    )
    canary_release_id: Mapped[str | None] = mapped_column(
        ForeignKey("releases.id", ondelete="SET NULL")
    )
    canary_percent: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by: Mapped[str] = mapped_column(String(64), default="")


class ReleaseEvent(Base):
    """One change of a channel: published, canary, promoted, rolled back, canary cancelled."""

    __tablename__ = "release_events"
    __table_args__ = (Index("ix_release_events_app_env", "app_id", "environment", "id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    app_id: Mapped[str] = mapped_column(ForeignKey("mini_programs.app_id", ondelete="CASCADE"))
    environment: Mapped[str] = mapped_column(String(8))
    action: Mapped[str] = mapped_column(String(24))
    version: Mapped[str] = mapped_column(String(16))
    previous_version: Mapped[str | None] = mapped_column(String(16))
    commit_sha: Mapped[str] = mapped_column(String(40))
    canary_percent: Mapped[int] = mapped_column(default=0)
    actor: Mapped[str] = mapped_column(String(64))  # account or API key id, "system"
    reason: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(default=utcnow)
