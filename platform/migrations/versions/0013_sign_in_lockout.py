"""Sign-in lockout per email and client address: the unlock links mailed to owners
(``sign_in_unlocks``); the account-wide failure count and lock, which let anyone lock a developer
out, are dropped (the lock now lives with the rate limits, ``chainless.platform.auth.lockout``).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03 12:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import chainless.platform.models.base

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC = chainless.platform.models.base.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "sign_in_unlocks",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("account_id", sa.String(length=32), nullable=False),
        sa.Column("ip", sa.String(length=64), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("expires_at", UTC, nullable=False),
        sa.Column("used_at", UTC, nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_sign_in_unlocks_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sign_in_unlocks")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_sign_in_unlocks_token_hash")),
    )
    op.create_index(
        op.f("ix_sign_in_unlocks_account_id"), "sign_in_unlocks", ["account_id"], unique=False
    )
    with op.batch_alter_table("accounts") as batch:
        batch.drop_column("locked_until")
        batch.drop_column("failed_login_count")


def downgrade() -> None:
    with op.batch_alter_table("accounts") as batch:
        batch.add_column(
            sa.Column("failed_login_count", sa.Integer(), nullable=False, server_default="0")
        )
        batch.add_column(sa.Column("locked_until", UTC, nullable=True))
    op.drop_index(op.f("ix_sign_in_unlocks_account_id"), table_name="sign_in_unlocks")
    op.drop_table("sign_in_unlocks")
