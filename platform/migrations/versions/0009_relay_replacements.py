"""Relay: every attempt sent for a transaction's nonce (fee-bumped replacements of stuck
sponsored transactions), when a bump was last tried, and the per-day usage rows that make the
daily limits atomic.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-29 09:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import chainless.platform.models.base

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UINT256 = sa.Numeric(precision=78, scale=0).with_variant(sa.String(length=78), "sqlite")
UTC = chainless.platform.models.base.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "relay_attempts",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("transaction_id", sa.String(length=32), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("hash", sa.String(length=66), nullable=False),
        sa.Column("max_fee_per_gas", UINT256, nullable=False),
        sa.Column("max_priority_fee_per_gas", UINT256, nullable=True),
        sa.Column("raw", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.ForeignKeyConstraint(
            ["transaction_id"],
            ["relayed_transactions.id"],
            name=op.f("fk_relay_attempts_transaction_id_relayed_transactions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_relay_attempts")),
        sa.UniqueConstraint("hash", name=op.f("uq_relay_attempts_hash")),
        sa.UniqueConstraint(
            "transaction_id", "number", name=op.f("uq_relay_attempts_transaction_id")
        ),
    )
    op.create_index(op.f("ix_relay_attempts_transaction_id"), "relay_attempts", ["transaction_id"])
    op.create_table(
        "relay_daily_usage",
        sa.Column("app_id", sa.String(length=32), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("wallet", sa.String(length=42), nullable=False),
        sa.Column("tx_count", sa.Integer(), nullable=False),
        sa.Column("value_wei", UINT256, nullable=False),
        sa.Column("updated_at", UTC, nullable=False),
        sa.ForeignKeyConstraint(
            ["app_id"],
            ["mini_programs.app_id"],
            name=op.f("fk_relay_daily_usage_app_id_mini_programs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("app_id", "day", "wallet", name=op.f("pk_relay_daily_usage")),
    )
    with op.batch_alter_table("relayed_transactions") as batch:
        batch.add_column(sa.Column("last_bump_at", UTC, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("relayed_transactions") as batch:
        batch.drop_column("last_bump_at")
    op.drop_table("relay_daily_usage")
    op.drop_index(op.f("ix_relay_attempts_transaction_id"), table_name="relay_attempts")
    op.drop_table("relay_attempts")
