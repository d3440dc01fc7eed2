"""Contract builds cached by content, operators' overrides of a blocking audit, and the
contracts each deployment put on chain.

A build is keyed by the sha256 of its standard-JSON input plus the compiler version (and the
pinned OpenZeppelin version the compiler resolves imports from), so an unchanged source is
compiled and audited once, whichever app or deployment asks (docs/deployer.md, "Contracts").
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from chainless.platform.core.clock import utcnow
from chainless.platform.models.base import Base, BigId


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


class ContractStatus(StrEnum):
    """A contract creation's way to the chain (docs/deployer.md, "contracts")."""

    SIGNED = "signed"  # signed and recorded, not known to have reached a node
    SENT = "sent"  # broadcast at least once, no receipt yet
    MINED = "mined"  # in a block, fewer confirmations than the chain requires
    DEPLOYED = "deployed"  # confirmed and its code checked: what the app's profile shows


class DeployedContract(Base):
    """One contract of one deployment, from its signed creation transaction to its checked code.

    The row is written, with the signed raw transaction, in a committed transaction of its own
    *before* anything is broadcast: a worker that dies after sending leaves a record whose retry
    sends the same bytes again (the same hash, so at most one contract) instead of a second
    creation.
    """

    __tablename__ = "deployed_contracts"
    __table_args__ = (
        UniqueConstraint("deployment_id", "name"),
        Index("ix_deployed_contracts_app_env", "app_id", "environment"),
        Index("ix_deployed_contracts_chain_deployer", "chain_id", "deployer", "status"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    deployment_id: Mapped[str] = mapped_column(ForeignKey("deployments.id", ondelete="CASCADE"))
    app_id: Mapped[str] = mapped_column(ForeignKey("mini_programs.app_id", ondelete="CASCADE"))
    environment: Mapped[str] = mapped_column(String(8))
    app_version: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(128))
    position: Mapped[int] = mapped_column(default=0)  # order in the manifest
    chain_id: Mapped[int] = mapped_column(BigInteger)
    deployer: Mapped[str] = mapped_column(String(42))
    nonce: Mapped[int] = mapped_column(BigInteger)
    transaction_hash: Mapped[str] = mapped_column(String(66))
    raw_transaction: Mapped[str] = mapped_column(Text)  # 0x-hex, signed: re-sent as is
    status: Mapped[str] = mapped_column(String(16), default=ContractStatus.SIGNED)
    address: Mapped[str | None] = mapped_column(String(42))
    block_number: Mapped[int | None] = mapped_column(BigInteger)
    confirmations: Mapped[int] = mapped_column(default=0)
    build: Mapped[str] = mapped_column(String(64))  # contract_builds.content_hash
    audit_rating: Mapped[str | None] = mapped_column(String(1))
    source_verified: Mapped[bool | None]
    code_hash: Mapped[str | None] = mapped_column(String(66))  # keccak256 of the runtime code
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    deployed_at: Mapped[datetime | None]
