"""Deployer: deployments, their progress events, and received GitHub webhook deliveries.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29 06:59:16.099629
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import chainless.platform.models.base

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "deployments",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("app_id", sa.String(length=32), nullable=False),
        sa.Column("environment", sa.String(length=8), nullable=False),
        sa.Column("repo_url", sa.String(length=512), nullable=False),
        sa.Column("ref", sa.String(length=255), nullable=False),
        sa.Column("commit_sha", sa.String(length=40), nullable=True),
        sa.Column("trigger", sa.String(length=16), nullable=False),
        sa.Column("requested_by", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("stage", sa.String(length=32), nullable=True),
        sa.Column("manifest", sa.JSON(), nullable=True),
        sa.Column("artifacts", sa.JSON(), nullable=True),
        sa.Column("error_code", sa.String(length=64), nullable=True),
        sa.Column("error_detail", sa.Text(), nullable=True),
        sa.Column(
            "created_at", chainless.platform.models.base.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column(
            "started_at", chainless.platform.models.base.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column(
            "finished_at", chainless.platform.models.base.UTCDateTime(timezone=True), nullable=True
        ),
        sa.ForeignKeyConstraint(
            ["app_id"],
            ["mini_programs.app_id"],
            name=op.f("fk_deployments_app_id_mini_programs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deployments")),
    )
    op.create_index(
        "ix_deployments_app_created", "deployments", ["app_id", "created_at"], unique=False
    )
    op.create_index(
        "ix_deployments_app_env_status",
        "deployments",
        ["app_id", "environment", "status"],
        unique=False,
    )
    op.create_table(
        "deployment_events",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("deployment_id", sa.String(length=32), nullable=False),
        sa.Column("at", chainless.platform.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("stage", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["deployment_id"],
            ["deployments.id"],
            name=op.f("fk_deployment_events_deployment_id_deployments"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deployment_events")),
    )
    op.create_index(
        op.f("ix_deployment_events_deployment_id"),
        "deployment_events",
        ["deployment_id"],
        unique=False,
    )
    op.create_table(
        "webhook_deliveries",
        sa.Column("delivery_id", sa.String(length=64), nullable=False),
        sa.Column("app_id", sa.String(length=32), nullable=False),
        sa.Column("event", sa.String(length=32), nullable=False),
        sa.Column(
            "received_at", chainless.platform.models.base.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("deployment_id", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(
            ["app_id"],
            ["mini_programs.app_id"],
            name=op.f("fk_webhook_deliveries_app_id_mini_programs"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["deployment_id"],
            ["deployments.id"],
            name=op.f("fk_webhook_deliveries_deployment_id_deployments"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("delivery_id", name=op.f("pk_webhook_deliveries")),
    )
    op.create_index(
        op.f("ix_webhook_deliveries_app_id"), "webhook_deliveries", ["app_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_webhook_deliveries_app_id"), table_name="webhook_deliveries")
    op.drop_table("webhook_deliveries")
    op.drop_index(op.f("ix_deployment_events_deployment_id"), table_name="deployment_events")
    op.drop_table("deployment_events")
    op.drop_index("ix_deployments_app_env_status", table_name="deployments")
    op.drop_index("ix_deployments_app_created", table_name="deployments")
    op.drop_table("deployments")
