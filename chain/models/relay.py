"""Transactions the relay accepted, and each app's relay policy (spec 3.5.5, 3.2.1)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, ForeignKey, Index, LargeBinary, SmallInteger, String, text
from sqlalchemy.orm import Mapped, mapped_column

from chainless.chain.models.types import Uint256
from chainless.platform.core.clock import utcnow
from chainless.platform.models.base import Base


class TxState(StrEnum):
    """received → submitted (→ stuck) → mined → confirmed; or failed (reverted or refused by the
    node), replaced (another transaction took its nonce) or dropped (the node forgot it
    for good)."""

    RECEIVED = "received"
    SUBMITTED = "submitted"
    STUCK = "stuck"  # user-signed, pending too long: the app should have the user re-sign it
    MINED = "mined"
    CONFIRMED = "confirmed"
    FAILED = "failed"
    REPLACED = "replaced"
    DROPPED = "dropped"


class TxKind(StrEnum):
    """``user``: signed and paid by the user; ``sponsored``: an ERC-2771 forward request the
    platform's relayer sends through the forwarder, paid from the app's gas budget."""

    USER = "user"
    SPONSORED = "sponsored"


FINAL_STATES = frozenset({TxState.CONFIRMED, TxState.FAILED, TxState.REPLACED, TxState.DROPPED})
PENDING_STATES = (TxState.SUBMITTED, TxState.STUCK)  # sent, not mined yet


_UNMINED = "('received', 'submitted', 'stuck')"  # a sponsored signer's nonce is taken
_UNCHARGED = "('received', 'submitted', 'stuck', 'mined')"  # its worst case is reserved


class RelayedTransaction(Base):
    __tablename__ = "relayed_transactions"
    __table_args__ = (
        Index("ix_relayed_transactions_app_created", "app_id", "created_at"),
        Index("ix_relayed_transactions_sender_created", "sender", "created_at"),
        Index("ix_relayed_transactions_state_check", "state", "next_check_at"),
        Index("ix_relayed_transactions_relayer_nonce", "chain_id", "relayer", "nonce"),
        # The sponsored checks read only the transactions not final yet (``sponsored_repository``);
        # through the indexes above they walked an app's or a wallet's whole history
        Index(
            "ix_relayed_transactions_sponsored_unmined",
            "chain_id",
            "sender",
            postgresql_where=text(f"kind = 'sponsored' AND state IN {_UNMINED}"),
            sqlite_where=text(f"kind = 'sponsored' AND state IN {_UNMINED}"),
        ),
        Index(
            "ix_relayed_transactions_sponsored_uncharged",
            "app_id",
            postgresql_include=["gas_limit", "max_fee_per_gas"],
            postgresql_where=text(f"kind = 'sponsored' AND state IN {_UNCHARGED}"),
            sqlite_where=text(f"kind = 'sponsored' AND state IN {_UNCHARGED}"),
        ),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    # keccak256 of ``raw``: the attempt sent last, or the one mined; every attempt (the hash the
    # app got first included) is in ``relay_attempts`` once a replacement was sent
    hash: Mapped[str] = mapped_column(String(66), unique=True)
    kind: Mapped[str] = mapped_column(String(16), default=TxKind.USER, server_default="user")
    app_id: Mapped[str] = mapped_column(ForeignKey("mini_programs.app_id", ondelete="CASCADE"))
    api_key_id: Mapped[str | None] = mapped_column(String(32))
    user_id: Mapped[str] = mapped_column(String(32))  # the wallet user (access token subject)
    environment: Mapped[str] = mapped_column(String(8))
    chain_id: Mapped[int] = mapped_column(BigInteger)
    sender: Mapped[str] = mapped_column(String(42))  # EIP-55
    relayer: Mapped[str | None] = mapped_column(String(42))  # sponsored: the paying relayer key
    to_address: Mapped[str | None] = mapped_column(String(42))
    selector: Mapped[str | None] = mapped_column(String(10))
    tx_type: Mapped[int] = mapped_column(SmallInteger)  # EIP-2718 type
    nonce: Mapped[int] = mapped_column(Uint256)
    value: Mapped[int] = mapped_column(Uint256)
    gas_limit: Mapped[int] = mapped_column(Uint256)
    max_fee_per_gas: Mapped[int] = mapped_column(Uint256)  # gasPrice for legacy/EIP-2930
    max_priority_fee_per_gas: Mapped[int | None] = mapped_column(Uint256)
    raw: Mapped[bytes] = mapped_column(LargeBinary)

    state: Mapped[str] = mapped_column(String(16), default=TxState.RECEIVED)
    version: Mapped[int] = mapped_column(default=0)  # grows on every state change (webhook order)
    error_code: Mapped[str | None] = mapped_column(String(64))
    error: Mapped[str | None] = mapped_column(String(512))
    broadcast_attempts: Mapped[int] = mapped_column(default=0)
    broadcast_count: Mapped[int] = mapped_column(default=0)  # eth_sendRawTransaction calls made
    next_check_at: Mapped[datetime | None]
    # sponsored: when a fee bump of the pending transaction was last tried (sent, or blocked by
    # the fee cap); the next one waits ``stuck_after_seconds`` from then
    last_bump_at: Mapped[datetime | None]

    block_number: Mapped[int | None] = mapped_column(BigInteger)
    block_hash: Mapped[str | None] = mapped_column(String(66))
    transaction_index: Mapped[int | None]
    gas_used: Mapped[int | None] = mapped_column(Uint256)
    effective_gas_price: Mapped[int | None] = mapped_column(Uint256)
    receipt_status: Mapped[int | None] = mapped_column(SmallInteger)  # EIP-658: 1 ok, 0 reverted
    confirmations: Mapped[int] = mapped_column(default=0)

    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    submitted_at: Mapped[datetime | None]
    mined_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]


class RelayPolicy(Base):
    """An app's relay limits (spec 3.2.1); an app without a row gets the platform defaults."""

    __tablename__ = "relay_policies"

    app_id: Mapped[str] = mapped_column(
        ForeignKey("mini_programs.app_id", ondelete="CASCADE"), primary_key=True
    )
    max_value_wei: Mapped[int] = mapped_column(Uint256)
    max_gas_limit: Mapped[int] = mapped_column(Uint256)
    max_fee_per_gas_wei: Mapped[int] = mapped_column(Uint256)
    user_daily_tx_limit: Mapped[int]
    user_daily_value_wei: Mapped[int] = mapped_column(Uint256)
    app_daily_tx_limit: Mapped[int]
    app_daily_value_wei: Mapped[int] = mapped_column(Uint256)
    user_burst_per_minute: Mapped[int]  # alert thresholds, not refusals
    app_burst_per_minute: Mapped[int]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    updated_by: Mapped[str | None] = mapped_column(String(32))
