"""Wallet login: users, wallet sessions, grants (user_authorizations), codes, refresh tokens,
signing keys.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 07:43:24.114045
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import chainless.platform.models.base

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "oauth_signing_keys",
        sa.Column("kid", sa.String(length=32), nullable=False),
        sa.Column("algorithm", sa.String(length=8), nullable=False),
        sa.Column("public_jwk", sa.JSON(), nullable=False),
        sa.Column("private_key_encrypted", sa.Text(), nullable=False),
        sa.Column(
            "created_at", chainless.platform.models.base.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column(
            "retired_at", chainless.platform.models.base.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column(
            "expires_at", chainless.platform.models.base.UTCDateTime(timezone=True), nullable=True
        ),
        sa.PrimaryKeyConstraint("kid", name=op.f("pk_oauth_signing_keys")),
    )
    op.create_table(
        "wallet_users",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("address", sa.String(length=42), nullable=False),
        sa.Column(
            "created_at", chainless.platform.models.base.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column(
            "last_sign_in_at",
            chainless.platform.models.base.UTCDateTime(timezone=True),
            nullable=True,
        ),
        sa.Column("phone", sa.String(length=32), nullable=True),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_wallet_users")),
        sa.UniqueConstraint("address", name=op.f("uq_wallet_users_address")),
    )
    op.create_table(
        "wallet_sessions",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("csrf_token_hash", sa.String(length=64), nullable=False),
        sa.Column("signer_kind", sa.String(length=8), nullable=False),
        sa.Column("chain_id", sa.Integer(), nullable=False),
        sa.Column("device_name", sa.String(length=128), nullable=False),
        sa.Column("ip", sa.String(length=64), nullable=True),
        sa.Column("user_agent", sa.String(length=256), nullable=True),
        sa.Column(
            "created_at", chainless.platform.models.base.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column(
            "expires_at", chainless.platform.models.base.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column(
            "last_seen_at", chainless.platform.models.base.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column(
            "revoked_at", chainless.platform.models.base.UTCDateTime(timezone=True), nullable=True
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["wallet_users.id"],
            name=op.f("fk_wallet_sessions_user_id_wallet_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_wallet_sessions")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_wallet_sessions_token_hash")),
    )
    op.create_index(
        op.f("ix_wallet_sessions_user_id"), "wallet_sessions", ["user_id"], unique=False
    )
    op.create_table(
        "user_authorizations",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("app_id", sa.String(length=32), nullable=False),
        sa.Column("scope", sa.JSON(), nullable=False),
        sa.Column(
            "create_time", chainless.platform.models.base.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column(
            "update_time", chainless.platform.models.base.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column(
            "expire_time", chainless.platform.models.base.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column(
            "last_used_at", chainless.platform.models.base.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column(
            "revoked_at", chainless.platform.models.base.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("revoked_reason", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["app_id"],
            ["mini_programs.app_id"],
            name=op.f("fk_user_authorizations_app_id_mini_programs"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["wallet_users.id"],
            name=op.f("fk_user_authorizations_user_id_wallet_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_authorizations")),
    )
    op.create_index(
        op.f("ix_user_authorizations_app_id"), "user_authorizations", ["app_id"], unique=False
    )
    op.create_index(
        op.f("ix_user_authorizations_user_id"), "user_authorizations", ["user_id"], unique=False
    )
    op.create_index(
        "uq_user_authorizations_live",
        "user_authorizations",
        ["user_id", "app_id"],
        unique=True,
        postgresql_where=sa.text("revoked_at IS NULL"),
        sqlite_where=sa.text("revoked_at IS NULL"),
    )
    op.create_table(
        "oauth_codes",
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("app_id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("authorization_id", sa.String(length=32), nullable=False),
        sa.Column("wallet_session_id", sa.String(length=32), nullable=True),
        sa.Column("redirect_uri", sa.String(length=2048), nullable=False),
        sa.Column("scope", sa.JSON(), nullable=False),
        sa.Column("code_challenge", sa.String(length=128), nullable=False),
        sa.Column("code_challenge_method", sa.String(length=8), nullable=False),
        sa.Column(
            "auth_time", chainless.platform.models.base.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column(
            "created_at", chainless.platform.models.base.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column(
            "expires_at", chainless.platform.models.base.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column(
            "used_at", chainless.platform.models.base.UTCDateTime(timezone=True), nullable=True
        ),
        sa.ForeignKeyConstraint(
            ["app_id"],
            ["mini_programs.app_id"],
            name=op.f("fk_oauth_codes_app_id_mini_programs"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["authorization_id"],
            ["user_authorizations.id"],
            name=op.f("fk_oauth_codes_authorization_id_user_authorizations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["wallet_users.id"],
            name=op.f("fk_oauth_codes_user_id_wallet_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("code_hash", name=op.f("pk_oauth_codes")),
    )
    op.create_index(op.f("ix_oauth_codes_expires_at"), "oauth_codes", ["expires_at"], unique=False)
    op.create_table(
        "oauth_token_families",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("authorization_id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("app_id", sa.String(length=32), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=True),
        sa.Column("wallet_session_id", sa.String(length=32), nullable=True),
        sa.Column("device_name", sa.String(length=128), nullable=False),
        sa.Column(
            "created_at", chainless.platform.models.base.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column(
            "last_used_at", chainless.platform.models.base.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column(
            "revoked_at", chainless.platform.models.base.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("revoked_reason", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["authorization_id"],
            ["user_authorizations.id"],
            name=op.f("fk_oauth_token_families_authorization_id_user_authorizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_oauth_token_families")),
    )
    op.create_index(
        op.f("ix_oauth_token_families_app_id"), "oauth_token_families", ["app_id"], unique=False
    )
    op.create_index(
        op.f("ix_oauth_token_families_authorization_id"),
        "oauth_token_families",
        ["authorization_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_oauth_token_families_code_hash"),
        "oauth_token_families",
        ["code_hash"],
        unique=False,
    )
    op.create_index(
        op.f("ix_oauth_token_families_user_id"), "oauth_token_families", ["user_id"], unique=False
    )
    op.create_table(
        "oauth_refresh_tokens",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("family_id", sa.String(length=32), nullable=False),
        sa.Column("scope", sa.JSON(), nullable=False),
        sa.Column(
            "created_at", chainless.platform.models.base.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column(
            "expires_at", chainless.platform.models.base.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column(
            "rotated_at", chainless.platform.models.base.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("replaced_by_id", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(
            ["family_id"],
            ["oauth_token_families.id"],
            name=op.f("fk_oauth_refresh_tokens_family_id_oauth_token_families"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_oauth_refresh_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_oauth_refresh_tokens_token_hash")),
    )
    op.create_index(
        op.f("ix_oauth_refresh_tokens_family_id"),
        "oauth_refresh_tokens",
        ["family_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_oauth_refresh_tokens_family_id"), table_name="oauth_refresh_tokens")
    op.drop_table("oauth_refresh_tokens")
    op.drop_index(op.f("ix_oauth_token_families_user_id"), table_name="oauth_token_families")
    op.drop_index(op.f("ix_oauth_token_families_code_hash"), table_name="oauth_token_families")
    op.drop_index(
        op.f("ix_oauth_token_families_authorization_id"), table_name="oauth_token_families"
    )
    op.drop_index(op.f("ix_oauth_token_families_app_id"), table_name="oauth_token_families")
    op.drop_table("oauth_token_families")
    op.drop_index(op.f("ix_oauth_codes_expires_at"), table_name="oauth_codes")
    op.drop_table("oauth_codes")
    op.drop_index(
        "uq_user_authorizations_live",
        table_name="user_authorizations",
        postgresql_where=sa.text("revoked_at IS NULL"),
        sqlite_where=sa.text("revoked_at IS NULL"),
    )
    op.drop_index(op.f("ix_user_authorizations_user_id"), table_name="user_authorizations")
    op.drop_index(op.f("ix_user_authorizations_app_id"), table_name="user_authorizations")
    op.drop_table("user_authorizations")
    op.drop_index(op.f("ix_wallet_sessions_user_id"), table_name="wallet_sessions")
    op.drop_table("wallet_sessions")
    op.drop_table("wallet_users")
    op.drop_table("oauth_signing_keys")
