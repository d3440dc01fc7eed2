"""Relay: partial indexes over the sponsored transactions not final yet, which the sponsored
checks read on every request (a wallet's request waiting to be mined, the worst case the app's
in-flight transactions reserve of its gas budget); they used to walk an app's whole history.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-29 17:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UNMINED = "kind = 'sponsored' AND state IN ('received', 'submitted', 'stuck')"
UNCHARGED = "kind = 'sponsored' AND state IN ('received', 'submitted', 'stuck', 'mined')"


def upgrade() -> None:
    op.create_index(
        "ix_relayed_transactions_sponsored_unmined",
        "relayed_transactions",
        ["chain_id", "sender"],
        postgresql_where=sa.text(UNMINED),
        sqlite_where=sa.text(UNMINED),
    )
    op.create_index(
        "ix_relayed_transactions_sponsored_uncharged",
        "relayed_transactions",
        ["app_id"],
        postgresql_include=["gas_limit", "max_fee_per_gas"],
        postgresql_where=sa.text(UNCHARGED),
        sqlite_where=sa.text(UNCHARGED),
    )


def downgrade() -> None:
    op.drop_index("ix_relayed_transactions_sponsored_uncharged", "relayed_transactions")
    op.drop_index("ix_relayed_transactions_sponsored_unmined", "relayed_transactions")
