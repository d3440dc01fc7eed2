"""Wallet login: signing keys are published before they sign (``activated_at``; a key without
it is the next key). Every existing key signed from its creation.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03 12:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import chainless.platform.models.base

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC = chainless.platform.models.base.UTCDateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("oauth_signing_keys") as batch:
        batch.add_column(sa.Column("activated_at", UTC, nullable=True))
    op.execute("UPDATE oauth_signing_keys SET activated_at = created_at")


def downgrade() -> None:
    # a next key never signed: without the column it would sign at once, unpublished for long
    op.execute("DELETE FROM oauth_signing_keys WHERE activated_at IS NULL")
    with op.batch_alter_table("oauth_signing_keys") as batch:
        batch.drop_column("activated_at")
