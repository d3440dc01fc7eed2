"""Relay: relayed transactions, per-app relay policies, webhook endpoints and deliveries.

EVM quantities are NUMERIC(78, 0): every unsigned 256-bit integer fits exactly (text on SQLite).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29 06:46:53.722497
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import chainless.platform.models.base

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# exact on PostgreSQL; decimal text on SQLite, whose NUMERIC would round big values to floats
UINT256 = sa.Numeric(precision=78, scale=0).with_variant(sa.String(length=78), "sqlite")


def upgrade() -> None:
    op.create_table(
        "relay_policies",
        sa.Column("app_id", sa.String(length=32), nullable=False),
        sa.Column("max_value_wei", UINT256, nullable=False),
        sa.Column("max_gas_limit", UINT256, nullable=False),
        sa.Column("max_fee_per_gas_wei", UINT256, nullable=False),
        sa.Column("user_daily_tx_limit", sa.Integer(), nullable=False),
        sa.Column("user_daily_value_wei", UINT256, nullable=False),
        sa.Column("app_daily_tx_limit", sa.Integer(), nullable=False),
        sa.Column("app_daily_value_wei", UINT256, nullable=False),
        sa.Column("user_burst_per_minute", sa.Integer(), nullable=False),
        sa.Column("app_burst_per_minute", sa.Integer(), nullable=False),
        sa.Column(
            "updated_at", chainless.platform.models.base.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column("updated_by", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(
            ["app_id"],
            ["mini_programs.app_id"],
            name=op.f("fk_relay_policies_app_id_mini_programs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("app_id", name=op.f("pk_relay_policies")),
    )
    op.create_table(
        "relay_webhook_endpoints",
        sa.Column("app_id", sa.String(length=32), nullable=False),
        sa.Column("url", sa.String(length=512), nullable=False),
        sa.Column("secret_sealed", sa.Text(), nullable=False),
        sa.Column(
            "created_at", chainless.platform.models.base.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column(
            "updated_at", chainless.platform.models.base.UTCDateTime(timezone=True), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["app_id"],
            ["mini_programs.app_id"],
            name=op.f("fk_relay_webhook_endpoints_app_id_mini_programs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("app_id", name=op.f("pk_relay_webhook_endpoints")),
    )
    op.create_table(
        "relayed_transactions",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("hash", sa.String(length=66), nullable=False),
        sa.Column("app_id", sa.String(length=32), nullable=False),
        sa.Column("api_key_id", sa.String(length=32), nullable=True),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("environment", sa.String(length=8), nullable=False),
        sa.Column("chain_id", sa.BigInteger(), nullable=False),
        sa.Column("sender", sa.String(length=42), nullable=False),
        sa.Column("to_address", sa.String(length=42), nullable=True),
        sa.Column("selector", sa.String(length=10), nullable=True),
        sa.Column("tx_type", sa.SmallInteger(), nullable=False),
        sa.Column("nonce", UINT256, nullable=False),
        sa.Column("value", UINT256, nullable=False),
        sa.Column("gas_limit", UINT256, nullable=False),
        sa.Column("max_fee_per_gas", UINT256, nullable=False),
        sa.Column("max_priority_fee_per_gas", UINT256, nullable=True),
        sa.Column("raw", sa.LargeBinary(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("error_code", sa.String(length=64), nullable=True),
        sa.Column("error", sa.String(length=512), nullable=True),
        sa.Column("broadcast_attempts", sa.Integer(), nullable=False),
        sa.Column("broadcast_count", sa.Integer(), nullable=False),
        sa.Column(
            "next_check_at",
            chainless.platform.models.base.UTCDateTime(timezone=True),
            nullable=True,
        ),
        sa.Column("block_number", sa.BigInteger(), nullable=True),
        sa.Column("block_hash", sa.String(length=66), nullable=True),
        sa.Column("transaction_index", sa.Integer(), nullable=True),
        sa.Column("gas_used", UINT256, nullable=True),
        sa.Column("effective_gas_price", UINT256, nullable=True),
        sa.Column("receipt_status", sa.SmallInteger(), nullable=True),
        sa.Column("confirmations", sa.Integer(), nullable=False),
        sa.Column(
            "created_at", chainless.platform.models.base.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column(
            "updated_at", chainless.platform.models.base.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column(
            "submitted_at", chainless.platform.models.base.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column(
            "mined_at", chainless.platform.models.base.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column(
            "finished_at", chainless.platform.models.base.UTCDateTime(timezone=True), nullable=True
        ),
        sa.ForeignKeyConstraint(
            ["app_id"],
            ["mini_programs.app_id"],
            name=op.f("fk_relayed_transactions_app_id_mini_programs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_relayed_transactions")),
        sa.UniqueConstraint("hash", name=op.f("uq_relayed_transactions_hash")),
    )
    op.create_index(
        "ix_relayed_transactions_app_created",
        "relayed_transactions",
        ["app_id", "created_at"],
        unique=False,
    )
    op.create_index(
        "ix_relayed_transactions_sender_created",
        "relayed_transactions",
        ["sender", "created_at"],
        unique=False,
    )
    op.create_index(
        "ix_relayed_transactions_state_check",
        "relayed_transactions",
        ["state", "next_check_at"],
        unique=False,
    )
    op.create_table(
        "relay_webhook_deliveries",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("app_id", sa.String(length=32), nullable=False),
        sa.Column("transaction_id", sa.String(length=32), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("event_type", sa.String(length=32), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_status", sa.Integer(), nullable=True),
        sa.Column("last_error", sa.String(length=512), nullable=True),
        sa.Column(
            "created_at", chainless.platform.models.base.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column(
            "delivered_at", chainless.platform.models.base.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column(
            "abandoned_at", chainless.platform.models.base.UTCDateTime(timezone=True), nullable=True
        ),
        sa.ForeignKeyConstraint(
            ["app_id"],
            ["mini_programs.app_id"],
            name=op.f("fk_relay_webhook_deliveries_app_id_mini_programs"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["transaction_id"],
            ["relayed_transactions.id"],
            name=op.f("fk_relay_webhook_deliveries_transaction_id_relayed_transactions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_relay_webhook_deliveries")),
        sa.UniqueConstraint(
            "transaction_id", "version", name=op.f("uq_relay_webhook_deliveries_transaction_id")
        ),
    )
    op.create_index(
        op.f("ix_relay_webhook_deliveries_app_id"),
        "relay_webhook_deliveries",
        ["app_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_relay_webhook_deliveries_app_id"), table_name="relay_webhook_deliveries")
    op.drop_table("relay_webhook_deliveries")
    op.drop_index("ix_relayed_transactions_state_check", table_name="relayed_transactions")
    op.drop_index("ix_relayed_transactions_sender_created", table_name="relayed_transactions")
    op.drop_index("ix_relayed_transactions_app_created", table_name="relayed_transactions")
    op.drop_table("relayed_transactions")
    op.drop_table("relay_webhook_endpoints")
    op.drop_table("relay_policies")
