"""Deployer: the contracts each deployment put on chain, and where a retried deployment resumes.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29 10:05:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import chainless.platform.models.base

revision: str = "0008"
# Chained after 0006 on this branch; at merge, point it at the release migration (0007).
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "deployed_contracts",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("deployment_id", sa.String(length=32), nullable=False),
        sa.Column("app_id", sa.String(length=32), nullable=False),
        sa.Column("environment", sa.String(length=8), nullable=False),
        sa.Column("app_version", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("chain_id", sa.BigInteger(), nullable=False),
        sa.Column("deployer", sa.String(length=42), nullable=False),
        sa.Column("nonce", sa.BigInteger(), nullable=False),
        sa.Column("transaction_hash", sa.String(length=66), nullable=False),
        sa.Column("raw_transaction", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("address", sa.String(length=42), nullable=True),
        sa.Column("block_number", sa.BigInteger(), nullable=True),
        sa.Column("confirmations", sa.Integer(), nullable=False),
        sa.Column("build", sa.String(length=64), nullable=False),
        sa.Column("audit_rating", sa.String(length=1), nullable=True),
        sa.Column("source_verified", sa.Boolean(), nullable=True),
        sa.Column("code_hash", sa.String(length=66), nullable=True),
        sa.Column(
            "created_at", chainless.platform.models.base.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column(
            "deployed_at", chainless.platform.models.base.UTCDateTime(timezone=True), nullable=True
        ),
        sa.ForeignKeyConstraint(
            ["app_id"],
            ["mini_programs.app_id"],
            name=op.f("fk_deployed_contracts_app_id_mini_programs"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["deployment_id"],
            ["deployments.id"],
            name=op.f("fk_deployed_contracts_deployment_id_deployments"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deployed_contracts")),
        sa.UniqueConstraint(
            "deployment_id", "name", name=op.f("uq_deployed_contracts_deployment_id")
        ),
    )
    op.create_index(
        "ix_deployed_contracts_app_env", "deployed_contracts", ["app_id", "environment"]
    )
    op.create_index(
        "ix_deployed_contracts_chain_deployer",
        "deployed_contracts",
        ["chain_id", "deployer", "status"],
    )
    with op.batch_alter_table("deployments") as batch:
        batch.add_column(sa.Column("resume_stage", sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("deployments") as batch:
        batch.drop_column("resume_stage")
    op.drop_index("ix_deployed_contracts_chain_deployer", table_name="deployed_contracts")
    op.drop_index("ix_deployed_contracts_app_env", table_name="deployed_contracts")
    op.drop_table("deployed_contracts")
