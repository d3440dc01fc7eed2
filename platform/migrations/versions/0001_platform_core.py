"""Platform core: accounts, roles, sessions, qualifications, mini-programs, API keys,
audit log, alerts, outbox.

Revision ID: 0001
Revises:
Create Date: 2026-11-22 07:11:44.122331
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import chainless.platform.models.base

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "accounts",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("display_name", sa.String(length=64), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column(
            "email_verified_at",
            chainless.platform.models.base.UTCDateTime(timezone=True),
            nullable=True,
        ),
        sa.Column("verification_token_hash", sa.String(length=64), nullable=True),
        sa.Column(
            "verification_expires_at",
            chainless.platform.models.base.UTCDateTime(timezone=True),
            nullable=True,
        ),
        sa.Column("failed_login_count", sa.Integer(), nullable=False),
        sa.Column(
            "locked_until", chainless.platform.models.base.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column(
            "last_login_at",
            chainless.platform.models.base.UTCDateTime(timezone=True),
            nullable=True,
        ),
        sa.Column(
            "created_at", chainless.platform.models.base.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column(
            "updated_at", chainless.platform.models.base.UTCDateTime(timezone=True), nullable=False
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_accounts")),
        sa.UniqueConstraint("email", name=op.f("uq_accounts_email")),
    )
    op.create_index(
        op.f("ix_accounts_verification_token_hash"),
        "accounts",
        ["verification_token_hash"],
        unique=False,
    )
    op.create_table(
        "audit_events",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column(
            "occurred_at", chainless.platform.models.base.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column("actor_type", sa.String(length=16), nullable=False),
        sa.Column("actor_id", sa.String(length=64), nullable=True),
        sa.Column("actor_role", sa.String(length=32), nullable=True),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("target_type", sa.String(length=32), nullable=False),
        sa.Column("target_id", sa.String(length=64), nullable=True),
        sa.Column("app_id", sa.String(length=32), nullable=True),
        sa.Column("summary", sa.String(length=512), nullable=False),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.Column("ip", sa.String(length=64), nullable=True),
        sa.Column("user_agent", sa.String(length=256), nullable=True),
        sa.Column("request_id", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_events")),
    )
    op.create_index("ix_audit_events_action_id", "audit_events", ["action", "id"], unique=False)
    op.create_index("ix_audit_events_actor_id_id", "audit_events", ["actor_id", "id"], unique=False)
    op.create_index("ix_audit_events_app_id_id", "audit_events", ["app_id", "id"], unique=False)
    op.create_index(
        op.f("ix_audit_events_occurred_at"), "audit_events", ["occurred_at"], unique=False
    )
    op.create_table(
        "outbox_emails",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("to_address", sa.String(length=254), nullable=False),
        sa.Column("subject", sa.String(length=256), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column(
            "created_at", chainless.platform.models.base.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column(
            "sent_at", chainless.platform.models.base.UTCDateTime(timezone=True), nullable=True
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_emails")),
    )
    op.create_index(
        op.f("ix_outbox_emails_created_at"), "outbox_emails", ["created_at"], unique=False
    )
    op.create_index(
        op.f("ix_outbox_emails_to_address"), "outbox_emails", ["to_address"], unique=False
    )
    op.create_table(
        "account_roles",
        sa.Column("account_id", sa.String(length=32), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("granted_by", sa.String(length=32), nullable=True),
        sa.Column(
            "granted_at", chainless.platform.models.base.UTCDateTime(timezone=True), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_account_roles_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("account_id", "role", name=op.f("pk_account_roles")),
    )
    op.create_table(
        "auth_sessions",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("account_id", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("csrf_token_hash", sa.String(length=64), nullable=True),
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
        sa.Column("ip", sa.String(length=64), nullable=True),
        sa.Column("user_agent", sa.String(length=256), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_auth_sessions_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_auth_sessions")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_auth_sessions_token_hash")),
    )
    op.create_index(
        op.f("ix_auth_sessions_account_id"), "auth_sessions", ["account_id"], unique=False
    )
    op.create_table(
        "mini_programs",
        sa.Column("app_id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("version", sa.String(length=16), nullable=True),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("icon_url", sa.String(length=256), nullable=False),
        sa.Column("developer_id", sa.String(length=32), nullable=False),
        sa.Column("status", sa.SmallInteger(), nullable=False),
        sa.Column(
            "create_time", chainless.platform.models.base.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column(
            "update_time", chainless.platform.models.base.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column("category", sa.String(length=32), nullable=False),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("domains", sa.JSON(), nullable=False),
        sa.Column("secret_hash", sa.String(length=64), nullable=False),
        sa.Column("previous_secret_hash", sa.String(length=64), nullable=True),
        sa.Column(
            "previous_secret_expires_at",
            chainless.platform.models.base.UTCDateTime(timezone=True),
            nullable=True,
        ),
        sa.Column(
            "secret_rotated_at",
            chainless.platform.models.base.UTCDateTime(timezone=True),
            nullable=True,
        ),
        sa.Column("redirect_uris", sa.JSON(), nullable=False),
        sa.Column("requested_scopes", sa.JSON(), nullable=False),
        sa.Column("approved_scopes", sa.JSON(), nullable=False),
        sa.Column("signature_algorithm", sa.String(length=16), nullable=True),
        sa.Column("encryption_algorithm", sa.String(length=16), nullable=True),
        sa.Column("public_key_pem", sa.Text(), nullable=True),
        sa.Column("certificate_pem", sa.Text(), nullable=True),
        sa.Column("repo_url", sa.String(length=512), nullable=True),
        sa.Column("repo_branch", sa.String(length=255), nullable=True),
        sa.Column("payment_service", sa.Boolean(), nullable=False),
        sa.Column("gas_budget_gwei", sa.BigInteger(), nullable=False),
        sa.Column("gas_spent_gwei", sa.BigInteger(), nullable=False),
        sa.Column(
            "submitted_at", chainless.platform.models.base.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column(
            "listed_at", chainless.platform.models.base.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column(
            "delisted_at", chainless.platform.models.base.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("status_reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["developer_id"], ["accounts.id"], name=op.f("fk_mini_programs_developer_id_accounts")
        ),
        sa.PrimaryKeyConstraint("app_id", name=op.f("pk_mini_programs")),
    )
    op.create_index(
        op.f("ix_mini_programs_developer_id"), "mini_programs", ["developer_id"], unique=False
    )
    op.create_index(
        "ix_mini_programs_status_name", "mini_programs", ["status", "name"], unique=False
    )
    op.create_table(
        "qualifications",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("account_id", sa.String(length=32), nullable=False),
        sa.Column("organization_name", sa.String(length=128), nullable=False),
        sa.Column("registration_number", sa.String(length=64), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("contact_name", sa.String(length=64), nullable=False),
        sa.Column("contact_phone", sa.String(length=32), nullable=False),
        sa.Column("website", sa.String(length=256), nullable=False),
        sa.Column("documents", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column(
            "submitted_at",
            chainless.platform.models.base.UTCDateTime(timezone=True),
            nullable=False,
        ),
        sa.Column(
            "decided_at", chainless.platform.models.base.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("decided_by", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_qualifications_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["decided_by"], ["accounts.id"], name=op.f("fk_qualifications_decided_by_accounts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_qualifications")),
    )
    op.create_index(
        op.f("ix_qualifications_account_id"), "qualifications", ["account_id"], unique=False
    )
    op.create_index(
        "ix_qualifications_status_submitted",
        "qualifications",
        ["status", "submitted_at"],
        unique=False,
    )
    op.create_table(
        "api_keys",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("app_id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("environment", sa.String(length=8), nullable=False),
        sa.Column("prefix", sa.String(length=24), nullable=False),
        sa.Column("secret_hash", sa.String(length=64), nullable=False),
        sa.Column("scopes", sa.JSON(), nullable=False),
        sa.Column("rate_limit_count", sa.Integer(), nullable=False),
        sa.Column("rate_limit_period", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.String(length=32), nullable=False),
        sa.Column(
            "created_at", chainless.platform.models.base.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column(
            "expires_at", chainless.platform.models.base.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column(
            "revoked_at", chainless.platform.models.base.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("revoked_by", sa.String(length=32), nullable=True),
        sa.Column("revoke_reason", sa.String(length=256), nullable=True),
        sa.Column("rotated_from_id", sa.String(length=32), nullable=True),
        sa.Column("replaced_by_id", sa.String(length=32), nullable=True),
        sa.Column(
            "last_used_at", chainless.platform.models.base.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("usage_count", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["app_id"],
            ["mini_programs.app_id"],
            name=op.f("fk_api_keys_app_id_mini_programs"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["created_by"], ["accounts.id"], name=op.f("fk_api_keys_created_by_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["rotated_from_id"], ["api_keys.id"], name=op.f("fk_api_keys_rotated_from_id_api_keys")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_keys")),
        sa.UniqueConstraint("prefix", name=op.f("uq_api_keys_prefix")),
    )
    op.create_index(op.f("ix_api_keys_app_id"), "api_keys", ["app_id"], unique=False)
    op.create_table(
        "app_contracts",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("app_id", sa.String(length=32), nullable=False),
        sa.Column("environment", sa.String(length=8), nullable=False),
        sa.Column("address", sa.String(length=42), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("abi", sa.JSON(), nullable=False),
        sa.Column("method_allowlist", sa.JSON(), nullable=False),
        sa.Column(
            "created_at", chainless.platform.models.base.UTCDateTime(timezone=True), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["app_id"],
            ["mini_programs.app_id"],
            name=op.f("fk_app_contracts_app_id_mini_programs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_app_contracts")),
        sa.UniqueConstraint(
            "app_id", "environment", "address", name=op.f("uq_app_contracts_app_id")
        ),
    )
    op.create_index(op.f("ix_app_contracts_app_id"), "app_contracts", ["app_id"], unique=False)
    op.create_table(
        "app_members",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("app_id", sa.String(length=32), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("account_id", sa.String(length=32), nullable=True),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("invite_token_hash", sa.String(length=64), nullable=True),
        sa.Column(
            "invite_expires_at",
            chainless.platform.models.base.UTCDateTime(timezone=True),
            nullable=True,
        ),
        sa.Column("invited_by", sa.String(length=32), nullable=False),
        sa.Column(
            "invited_at", chainless.platform.models.base.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column(
            "accepted_at", chainless.platform.models.base.UTCDateTime(timezone=True), nullable=True
        ),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_app_members_account_id_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["app_id"],
            ["mini_programs.app_id"],
            name=op.f("fk_app_members_app_id_mini_programs"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["invited_by"], ["accounts.id"], name=op.f("fk_app_members_invited_by_accounts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_app_members")),
        sa.UniqueConstraint("app_id", "email", name=op.f("uq_app_members_app_id")),
        sa.UniqueConstraint("invite_token_hash", name=op.f("uq_app_members_invite_token_hash")),
    )
    op.create_index(op.f("ix_app_members_account_id"), "app_members", ["account_id"], unique=False)
    op.create_index(op.f("ix_app_members_app_id"), "app_members", ["app_id"], unique=False)
    op.create_table(
        "app_versions",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("app_id", sa.String(length=32), nullable=False),
        sa.Column("version", sa.String(length=16), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_by", sa.String(length=32), nullable=False),
        sa.Column(
            "created_at", chainless.platform.models.base.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column("decided_by", sa.String(length=32), nullable=True),
        sa.Column(
            "decided_at", chainless.platform.models.base.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["app_id"],
            ["mini_programs.app_id"],
            name=op.f("fk_app_versions_app_id_mini_programs"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["created_by"], ["accounts.id"], name=op.f("fk_app_versions_created_by_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["decided_by"], ["accounts.id"], name=op.f("fk_app_versions_decided_by_accounts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_app_versions")),
        sa.UniqueConstraint("app_id", "version", name=op.f("uq_app_versions_app_id")),
    )
    op.create_index(op.f("ix_app_versions_app_id"), "app_versions", ["app_id"], unique=False)
    op.create_table(
        "audit_certificates",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("app_id", sa.String(length=32), nullable=False),
        sa.Column("issuer", sa.String(length=128), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("content_type", sa.String(length=128), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("storage_key", sa.String(length=512), nullable=False),
        sa.Column("issued_on", sa.String(length=10), nullable=True),
        sa.Column("uploaded_by", sa.String(length=32), nullable=False),
        sa.Column(
            "uploaded_at", chainless.platform.models.base.UTCDateTime(timezone=True), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["app_id"],
            ["mini_programs.app_id"],
            name=op.f("fk_audit_certificates_app_id_mini_programs"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["uploaded_by"],
            ["accounts.id"],
            name=op.f("fk_audit_certificates_uploaded_by_accounts"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_certificates")),
    )
    op.create_index(
        op.f("ix_audit_certificates_app_id"), "audit_certificates", ["app_id"], unique=False
    )
    op.create_table(
        "alerts",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("subject", sa.String(length=128), nullable=False),
        sa.Column("dedup_key", sa.String(length=200), nullable=False),
        sa.Column("summary", sa.String(length=512), nullable=False),
        sa.Column("app_id", sa.String(length=32), nullable=True),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column(
            "raised_at", chainless.platform.models.base.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column(
            "last_seen_at",
            chainless.platform.models.base.UTCDateTime(timezone=True),
            nullable=False,
        ),
        sa.Column(
            "resolved_at", chainless.platform.models.base.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("resolved_by", sa.String(length=32), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alerts")),
    )
    op.create_index(op.f("ix_alerts_app_id"), "alerts", ["app_id"], unique=False)
    op.create_index(op.f("ix_alerts_kind"), "alerts", ["kind"], unique=False)
    op.create_index("ix_alerts_open_dedup", "alerts", ["dedup_key", "resolved_at"], unique=False)
    op.create_index(op.f("ix_alerts_raised_at"), "alerts", ["raised_at"], unique=False)
    _create_audit_guards()


AUDIT_MINIMUM_DAYS = 180  # spec: key operations are kept at least 180 days


def _create_audit_guards() -> None:
    """Make audit_events append-only in the database itself: no UPDATE, no early DELETE."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            f"""
            CREATE FUNCTION audit_events_guard() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
              IF TG_OP = 'UPDATE' THEN
                RAISE EXCEPTION 'audit_events is append-only';
              END IF;
              IF OLD.occurred_at > now() - interval '{AUDIT_MINIMUM_DAYS} days' THEN
                RAISE EXCEPTION 'audit events are kept at least {AUDIT_MINIMUM_DAYS} days';
              END IF;
              RETURN OLD;
            END $$;
            """
        )
        op.execute(
            "CREATE TRIGGER audit_events_guard BEFORE UPDATE OR DELETE ON audit_events "
            "FOR EACH ROW EXECUTE FUNCTION audit_events_guard()"
        )
    else:
        op.execute(
            "CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events "
            "BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END"
        )
        op.execute(
            "CREATE TRIGGER audit_events_no_early_delete BEFORE DELETE ON audit_events "
            f"WHEN OLD.occurred_at > datetime('now', '-{AUDIT_MINIMUM_DAYS} days') "
            "BEGIN SELECT RAISE(ABORT, "
            f"'audit events are kept at least {AUDIT_MINIMUM_DAYS} days'); END"
        )


def _drop_audit_guards() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_events_guard ON audit_events")
        op.execute("DROP FUNCTION IF EXISTS audit_events_guard()")
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_events_no_update")
        op.execute("DROP TRIGGER IF EXISTS audit_events_no_early_delete")


def downgrade() -> None:
    _drop_audit_guards()
    op.drop_index(op.f("ix_alerts_raised_at"), table_name="alerts")
    op.drop_index("ix_alerts_open_dedup", table_name="alerts")
    op.drop_index(op.f("ix_alerts_kind"), table_name="alerts")
    op.drop_index(op.f("ix_alerts_app_id"), table_name="alerts")
    op.drop_table("alerts")
    op.drop_index(op.f("ix_audit_certificates_app_id"), table_name="audit_certificates")
    op.drop_table("audit_certificates")
    op.drop_index(op.f("ix_app_versions_app_id"), table_name="app_versions")
    op.drop_table("app_versions")
    op.drop_index(op.f("ix_app_members_app_id"), table_name="app_members")
    op.drop_index(op.f("ix_app_members_account_id"), table_name="app_members")
    op.drop_table("app_members")
    op.drop_index(op.f("ix_app_contracts_app_id"), table_name="app_contracts")
    op.drop_table("app_contracts")
    op.drop_index(op.f("ix_api_keys_app_id"), table_name="api_keys")
    op.drop_table("api_keys")
    op.drop_index("ix_qualifications_status_submitted", table_name="qualifications")
    op.drop_index(op.f("ix_qualifications_account_id"), table_name="qualifications")
    op.drop_table("qualifications")
    op.drop_index("ix_mini_programs_status_name", table_name="mini_programs")
    op.drop_index(op.f("ix_mini_programs_developer_id"), table_name="mini_programs")
    op.drop_table("mini_programs")
    op.drop_index(op.f("ix_auth_sessions_account_id"), table_name="auth_sessions")
    op.drop_table("auth_sessions")
    op.drop_table("account_roles")
    op.drop_index(op.f("ix_outbox_emails_to_address"), table_name="outbox_emails")
    op.drop_index(op.f("ix_outbox_emails_created_at"), table_name="outbox_emails")
    op.drop_table("outbox_emails")
    op.drop_index(op.f("ix_audit_events_occurred_at"), table_name="audit_events")
    op.drop_index("ix_audit_events_app_id_id", table_name="audit_events")
    op.drop_index("ix_audit_events_actor_id_id", table_name="audit_events")
    op.drop_index("ix_audit_events_action_id", table_name="audit_events")
    op.drop_table("audit_events")
    op.drop_index(op.f("ix_accounts_verification_token_hash"), table_name="accounts")
    op.drop_table("accounts")
