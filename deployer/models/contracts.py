"""Contract builds cached by content, and operators' overrides of a blocking audit.

A build is keyed by the sha256 of its standard-JSON input plus the compiler version (and the
pinned OpenZeppelin version the compiler resolves imports from), so an unchanged source is
compiled and audited once, whichever app or deployment asks (docs/deployer.md, "Contracts").
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from chainless.platform.core.clock import utcnow
from chainless.platform.models.base import Base


class ContractBuild(Base):
    """One compilation's products (storage keys) and, once audited, its findings and rating."""

    __tablename__ = "contract_builds"

    content_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    compiler_version: Mapped[str] = mapped_column(String(64))
    input_key: Mapped[str] = mapped_column(String(255))  # the standard-JSON input in storage
    contracts: Mapped[dict[str, Any]]  # name -> {source, artifact key}
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    audit_tool: Mapped[str | None] = mapped_column(String(64))  # e.g. slither 0.11.3
    audit_rating: Mapped[str | None] = mapped_column(String(1))
    audit_findings: Mapped[list[dict[str, Any]] | None]
    audited_at: Mapped[datetime | None]


class AuditOverride(Base):
    """A platform operator let a deployment with high-impact findings go to production."""

    __tablename__ = "deployment_audit_overrides"

    deployment_id: Mapped[str] = mapped_column(
        ForeignKey("deployments.id", ondelete="CASCADE"), primary_key=True
    )
    operator_id: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
