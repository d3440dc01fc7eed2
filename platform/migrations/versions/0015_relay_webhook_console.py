"""Relay webhooks for the console: an endpoint's event types and on/off switch, and when a failed
delivery is tried next (``chainless.chain.relay.webhooks``).

An endpoint stored before subscribes to every event type (``events`` NULL) and stays enabled, so
nothing an app receives changes; deliveries stored before have no next try on record.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-04 20:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import chainless.platform.models.base

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("relay_webhook_endpoints") as batch:
        batch.add_column(sa.Column("events", sa.JSON(), nullable=True))
        batch.add_column(
            sa.Column("enabled", sa.Boolean(), nullable=False, server_default=sa.true())
        )
    with op.batch_alter_table("relay_webhook_deliveries") as batch:
        batch.add_column(
            sa.Column(
                "next_attempt_at",
                chainless.platform.models.base.UTCDateTime(timezone=True),
                nullable=True,
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("relay_webhook_deliveries") as batch:
        batch.drop_column("next_attempt_at")
    with op.batch_alter_table("relay_webhook_endpoints") as batch:
        batch.drop_column("enabled")
        batch.drop_column("events")
