"""Wallet users (one per address) and their signed-in wallet sessions (one per device)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from chainless.platform.core.clock import utcnow
from chainless.platform.models.base import Base


class WalletUser(Base):
    __tablename__ = "wallet_users"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    address: Mapped[str] = mapped_column(String(42), unique=True)  # EIP-55 checksummed
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_sign_in_at: Mapped[datetime | None]
    # extended-scope data, shared with an app only when the user confirms it separately
    phone: Mapped[str | None] = mapped_column(String(32))
    email: Mapped[str | None] = mapped_column(String(254))


class WalletSession(Base):
    """A wallet signed in to the platform by SIWE on one device (the consent screen's session)."""

    __tablename__ = "wallet_sessions"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    user_id: Mapped[str] = mapped_column(
        ForeignKey("wallet_users.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    csrf_token_hash: Mapped[str] = mapped_column(String(64))
    signer_kind: Mapped[str] = mapped_column(String(8))  # eoa | contract (EIP-1271)
    chain_id: Mapped[int]
    device_name: Mapped[str] = mapped_column(String(128), default="")
    ip: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(256))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    last_seen_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
