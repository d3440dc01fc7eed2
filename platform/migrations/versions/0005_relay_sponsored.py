"""Relay, sponsored gas: relayer nonces; each relayed transaction's kind and,
when sponsored, the relayer key that sends it.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29 08:15:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import chainless.platform.models.base

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UINT256 = sa.Numeric(precision=78, scale=0).with_variant(sa.String(length=78), "sqlite")


def upgrade() -> None:
    op.create_table(
        "relayer_nonces",
        sa.Column("chain_id", sa.BigInteger(), nullable=False),
        sa.Column("address", sa.String(length=42), nullable=False),
        sa.Column("next_nonce", UINT256, nullable=False),
        sa.Column(
            "updated_at", chainless.platform.models.base.UTCDateTime(timezone=True), nullable=False
        ),
        sa.PrimaryKeyConstraint("chain_id", "address", name=op.f("pk_relayer_nonces")),
    )
    with op.batch_alter_table("relayed_transactions") as batch:
        batch.add_column(
            sa.Column("kind", sa.String(length=16), server_default="user", nullable=False)
        )
        batch.add_column(sa.Column("relayer", sa.String(length=42), nullable=True))
        batch.create_index(
            "ix_relayed_transactions_relayer_nonce", ["chain_id", "relayer", "nonce"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("relayed_transactions") as batch:
        batch.drop_index("ix_relayed_transactions_relayer_nonce")
        batch.drop_column("relayer")
        batch.drop_column("kind")
    op.drop_table("relayer_nonces")
