"""The platform's relayer accounts: the next nonce each one will use on its chain."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from chainless.chain.models.types import Uint256
from chainless.platform.core.clock import utcnow
from chainless.platform.models.base import Base


class RelayerNonce(Base):
    """One row per (chain, relayer address), locked while a nonce is taken from it, so requests
    and worker processes never hand out the same nonce twice (EIP-155 account nonces)."""

    __tablename__ = "relayer_nonces"

    chain_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    address: Mapped[str] = mapped_column(String(42), primary_key=True)  # EIP-55
    next_nonce: Mapped[int] = mapped_column(Uint256)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
