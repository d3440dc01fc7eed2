"""Mini-programs (spec 3.4.1 ``mini_programs``) and what hangs off them."""

from __future__ import annotations

from datetime import datetime
from enum import IntEnum
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from chainless.platform.core.clock import utcnow
from chainless.platform.models.base import Base


class AppStatus(IntEnum):
    """Spec 3.4.1: 0 in development, 1 in review, 2 online, 3 delisted."""

    DEVELOPMENT = 0
    IN_REVIEW = 1
    ONLINE = 2
    DELISTED = 3


class MiniProgram(Base):
    __tablename__ = "mini_programs"
    __table_args__ = (
        Index("ix_mini_programs_status_name", "status", "name"),
        CheckConstraint(
            "token_endpoint_auth_method IN ('client_secret_basic', 'client_secret_post', 'none')",
            name="token_endpoint_auth_method",
        ),
    )

    # --- the spec's columns (3.4.1) ---
    app_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    version: Mapped[str | None] = mapped_column(String(16))  # the version online, if any
    description: Mapped[str] = mapped_column(Text, default="")
    icon_url: Mapped[str] = mapped_column(String(256), default="")
    developer_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"), index=True)
    status: Mapped[int] = mapped_column(SmallInteger, default=AppStatus.DEVELOPMENT)
    create_time: Mapped[datetime] = mapped_column(default=utcnow)
    update_time: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    # --- basic configuration ---
    category: Mapped[str] = mapped_column(String(32), default="other")
    tags: Mapped[list[str]] = mapped_column(default=list)
    domains: Mapped[list[str]] = mapped_column(default=list)

    # --- OAuth client (app_id is the client_id) ---
    # RFC 7591 §2, chosen at creation: client_secret_basic or client_secret_post (a confidential
    # client: its backend holds the secret) or none (a public client: PKCE alone)
    token_endpoint_auth_method: Mapped[str] = mapped_column(
        String(32), default="client_secret_basic", server_default="client_secret_basic"
    )
    secret_hash: Mapped[str] = mapped_column(String(64))
    previous_secret_hash: Mapped[str | None] = mapped_column(String(64))
    previous_secret_expires_at: Mapped[datetime | None]
    secret_rotated_at: Mapped[datetime | None]
    redirect_uris: Mapped[list[str]] = mapped_column(default=list)
    requested_scopes: Mapped[list[str]] = mapped_column(default=list)
    approved_scopes: Mapped[list[str]] = mapped_column(default=list)

    # --- interface configuration (spec 3.5.1) ---
    signature_algorithm: Mapped[str | None] = mapped_column(String(16))
    encryption_algorithm: Mapped[str | None] = mapped_column(String(16))
    public_key_pem: Mapped[str | None] = mapped_column(Text)
    certificate_pem: Mapped[str | None] = mapped_column(Text)

    # --- deploy configuration ---
    repo_url: Mapped[str | None] = mapped_column(String(512))
    repo_branch: Mapped[str | None] = mapped_column(String(255))

    # --- payment service (platform-sponsored gas), amounts in gwei ---
    payment_service: Mapped[bool] = mapped_column(default=False)
    gas_budget_gwei: Mapped[int] = mapped_column(BigInteger, default=0)
    gas_spent_gwei: Mapped[int] = mapped_column(BigInteger, default=0)

    # --- review and listing ---
    submitted_at: Mapped[datetime | None]
    listed_at: Mapped[datetime | None]
    delisted_at: Mapped[datetime | None]
    status_reason: Mapped[str | None] = mapped_column(Text)


class AppMember(Base):
    """Someone other than the developer working on an app (an app operator), by invitation."""

    __tablename__ = "app_members"
    __table_args__ = (UniqueConstraint("app_id", "email"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    app_id: Mapped[str] = mapped_column(
        ForeignKey("mini_programs.app_id", ondelete="CASCADE"), index=True
    )
    email: Mapped[str] = mapped_column(String(254))
    account_id: Mapped[str | None] = mapped_column(ForeignKey("accounts.id"), index=True)
    role: Mapped[str] = mapped_column(String(32), default="app_operator")
    invite_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    invite_expires_at: Mapped[datetime | None]
    invited_by: Mapped[str] = mapped_column(ForeignKey("accounts.id"))
    invited_at: Mapped[datetime] = mapped_column(default=utcnow)
    accepted_at: Mapped[datetime | None]


class AppContract(Base):
    """A contract an app uses in one environment (spec 3.3.1 ``contracts``)."""

    __tablename__ = "app_contracts"
    __table_args__ = (UniqueConstraint("app_id", "environment", "address"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    app_id: Mapped[str] = mapped_column(
        ForeignKey("mini_programs.app_id", ondelete="CASCADE"), index=True
    )
    environment: Mapped[str] = mapped_column(String(8))
    address: Mapped[str] = mapped_column(String(42))  # EIP-55 checksummed
    name: Mapped[str] = mapped_column(String(64))
    abi: Mapped[list[dict[str, Any]]] = mapped_column(default=list)
    method_allowlist: Mapped[list[str]] = mapped_column(default=list)  # 4-byte selectors, 0x-hex
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class AppVersion(Base):
    """A semver version of an app; versions only ever increase."""

    __tablename__ = "app_versions"
    __table_args__ = (UniqueConstraint("app_id", "version"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    app_id: Mapped[str] = mapped_column(
        ForeignKey("mini_programs.app_id", ondelete="CASCADE"), index=True
    )
    version: Mapped[str] = mapped_column(String(16))
    notes: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default="draft")
    created_by: Mapped[str] = mapped_column(ForeignKey("accounts.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_by: Mapped[str | None] = mapped_column(ForeignKey("accounts.id"))
    decided_at: Mapped[datetime | None]
    reason: Mapped[str | None] = mapped_column(Text)
    # the catalog listing checked at submission (apps.listing): category, tags, texts by language
    listing: Mapped[dict[str, Any] | None]


class AuditCertificate(Base):
    """A third-party security audit certificate the platform shows users (spec 2.1, 2.4.3)."""

    __tablename__ = "audit_certificates"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    app_id: Mapped[str] = mapped_column(
        ForeignKey("mini_programs.app_id", ondelete="CASCADE"), index=True
    )
    issuer: Mapped[str] = mapped_column(String(128))
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(128))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    storage_key: Mapped[str] = mapped_column(String(512))
    issued_on: Mapped[str | None] = mapped_column(String(10))  # ISO date as printed on it
    uploaded_by: Mapped[str] = mapped_column(ForeignKey("accounts.id"))
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)
