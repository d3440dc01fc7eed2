"""Deployer contracts: builds cached by content hash (compile and audit), audit overrides.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29 09:45:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import chainless.platform.models.base

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "contract_builds",
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("compiler_version", sa.String(length=64), nullable=False),
        sa.Column("input_key", sa.String(length=255), nullable=False),
        sa.Column("contracts", sa.JSON(), nullable=False),
        sa.Column(
            "created_at", chainless.platform.models.base.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column("audit_tool", sa.String(length=64), nullable=True),
        sa.Column("audit_rating", sa.String(length=1), nullable=True),
        sa.Column("audit_findings", sa.JSON(), nullable=True),
        sa.Column(
            "audited_at", chainless.platform.models.base.UTCDateTime(timezone=True), nullable=True
        ),
        sa.PrimaryKeyConstraint("content_hash", name=op.f("pk_contract_builds")),
    )
    op.create_table(
        "deployment_audit_overrides",
        sa.Column("deployment_id", sa.String(length=32), nullable=False),
        sa.Column("operator_id", sa.String(length=64), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column(
            "created_at", chainless.platform.models.base.UTCDateTime(timezone=True), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["deployment_id"],
            ["deployments.id"],
            name=op.f("fk_deployment_audit_overrides_deployment_id_deployments"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("deployment_id", name=op.f("pk_deployment_audit_overrides")),
    )


def downgrade() -> None:
    op.drop_table("deployment_audit_overrides")
    op.drop_table("contract_builds")
