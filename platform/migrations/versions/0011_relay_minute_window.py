"""Relay: the burst window on the daily usage rows (this clock minute's count and the one
before), which replaces counting an app's stored transactions of the last minute on every
submission (``chainless.chain.relay.minute_window``).

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-29 19:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import chainless.platform.models.base

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC = chainless.platform.models.base.UTCDateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("relay_daily_usage") as batch:
        batch.add_column(sa.Column("minute_start", UTC, nullable=True))
        batch.add_column(
            sa.Column("minute_count", sa.Integer(), nullable=False, server_default="0")
        )
        batch.add_column(
            sa.Column("previous_minute_count", sa.Integer(), nullable=False, server_default="0")
        )


def downgrade() -> None:
    with op.batch_alter_table("relay_daily_usage") as batch:
        batch.drop_column("previous_minute_count")
        batch.drop_column("minute_count")
        batch.drop_column("minute_start")
