"""Every signed transaction the relay sent for one relayed transaction's nonce: the original, then
each fee-bumped replacement of a stuck sponsored transaction. Whichever one the chain mines is
the transaction's final hash; until then any of them may be (a replacement can lose the race)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from chainless.chain.models.types import Uint256
from chainless.platform.core.clock import utcnow
from chainless.platform.models.base import Base


class RelayAttempt(Base):
    __tablename__ = "relay_attempts"
    __table_args__ = (UniqueConstraint("transaction_id", "number"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    transaction_id: Mapped[str] = mapped_column(
        ForeignKey("relayed_transactions.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int]  # 0: the original; 1, 2, …: the replacements, in order
    hash: Mapped[str] = mapped_column(String(66), unique=True)
    max_fee_per_gas: Mapped[int] = mapped_column(Uint256)
    max_priority_fee_per_gas: Mapped[int | None] = mapped_column(Uint256)
    raw: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class RelayDailyUsage(Base):
    """What an app (``wallet`` empty) or one wallet in it relayed on one UTC day. The rows are
    the lock of the daily limits: a submission locks them, checks and adds itself, and commits
    with its transaction, so two racing submissions cannot both take the last place."""

    __tablename__ = "relay_daily_usage"

    app_id: Mapped[str] = mapped_column(
        ForeignKey("mini_programs.app_id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[date] = mapped_column(primary_key=True)
    wallet: Mapped[str] = mapped_column(String(42), primary_key=True)  # EIP-55; "" the app's
    tx_count: Mapped[int] = mapped_column(default=0)
    value_wei: Mapped[int] = mapped_column(Uint256, default=0)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    # the burst window (``relay.minute_window``): this clock minute's count and the one before
    minute_start: Mapped[datetime | None]
    minute_count: Mapped[int] = mapped_column(default=0, server_default="0")
    previous_minute_count: Mapped[int] = mapped_column(default=0, server_default="0")
