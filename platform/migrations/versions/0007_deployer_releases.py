"""Deployer releases: published versions per environment, the live channel (current, canary),
the release history, and a deployment's rollout mode.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29 09:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import chainless.platform.models.base

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC = chainless.platform.models.base.UTCDateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("deployments") as batch:
        batch.add_column(
            sa.Column("rollout", sa.String(length=16), server_default="immediate", nullable=False)
        )
    op.create_table(
        "releases",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("app_id", sa.String(length=32), nullable=False),
        sa.Column("environment", sa.String(length=8), nullable=False),
        sa.Column("version", sa.String(length=16), nullable=False),
        sa.Column("deployment_id", sa.String(length=32), nullable=False),
        sa.Column("commit_sha", sa.String(length=40), nullable=False),
        sa.Column("bundle_hash", sa.String(length=64), nullable=False),
        sa.Column("manifest_key", sa.String(length=512), nullable=False),
        sa.Column("manifest_kid", sa.String(length=32), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.ForeignKeyConstraint(
            ["app_id"],
            ["mini_programs.app_id"],
            name=op.f("fk_releases_app_id_mini_programs"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["deployment_id"],
            ["deployments.id"],
            name=op.f("fk_releases_deployment_id_deployments"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_releases")),
        sa.UniqueConstraint("app_id", "environment", "version", name="uq_releases_app_env_version"),
    )
    op.create_index("ix_releases_manifest_kid", "releases", ["manifest_kid"], unique=False)
    op.create_index(
        "ix_releases_app_env_created",
        "releases",
        ["app_id", "environment", "created_at"],
        unique=False,
    )
    op.create_table(
        "release_channels",
        sa.Column("app_id", sa.String(length=32), nullable=False),
        sa.Column("environment", sa.String(length=8), nullable=False),
        sa.Column("current_release_id", sa.String(length=32), nullable=True),
        sa.Column("canary_release_id", sa.String(length=32), nullable=True),
        sa.Column("canary_percent", sa.Integer(), nullable=False),
        sa.Column("updated_at", UTC, nullable=False),
        sa.Column("updated_by", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["app_id"],
            ["mini_programs.app_id"],
            name=op.f("fk_release_channels_app_id_mini_programs"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["canary_release_id"],
            ["releases.id"],
            name=op.f("fk_release_channels_canary_release_id_releases"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["current_release_id"],
            ["releases.id"],
            name=op.f("fk_release_channels_current_release_id_releases"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("app_id", "environment", name=op.f("pk_release_channels")),
    )
    op.create_table(
        "release_events",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("app_id", sa.String(length=32), nullable=False),
        sa.Column("environment", sa.String(length=8), nullable=False),
        sa.Column("action", sa.String(length=24), nullable=False),
        sa.Column("version", sa.String(length=16), nullable=False),
        sa.Column("previous_version", sa.String(length=16), nullable=True),
        sa.Column("commit_sha", sa.String(length=40), nullable=False),
        sa.Column("canary_percent", sa.Integer(), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("at", UTC, nullable=False),
        sa.ForeignKeyConstraint(
            ["app_id"],
            ["mini_programs.app_id"],
            name=op.f("fk_release_events_app_id_mini_programs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_release_events")),
    )
    op.create_index(
        "ix_release_events_app_env",
        "release_events",
        ["app_id", "environment", "id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_release_events_app_env", table_name="release_events")
    op.drop_table("release_events")
    op.drop_table("release_channels")
    op.drop_index("ix_releases_app_env_created", table_name="releases")
    op.drop_index("ix_releases_manifest_kid", table_name="releases")
    op.drop_table("releases")
    with op.batch_alter_table("deployments") as batch:
        batch.drop_column("rollout")
