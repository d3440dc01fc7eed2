"""API keys (spec, developer management 1.3): scoped, rate-limited, 90-day, rotatable."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from chainless.platform.core.clock import utcnow
from chainless.platform.models.base import Base


class ApiKey(Base):
    __tablename__ = "api_keys"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    app_id: Mapped[str] = mapped_column(
        ForeignKey("mini_programs.app_id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(64))
    environment: Mapped[str] = mapped_column(String(8))
    prefix: Mapped[str] = mapped_column(String(24), unique=True)  # shown in lists; finds the row
    secret_hash: Mapped[str] = mapped_column(String(64))
    scopes: Mapped[list[str]] = mapped_column(default=list)
    rate_limit_count: Mapped[int]
    rate_limit_period: Mapped[int]  # seconds
    created_by: Mapped[str] = mapped_column(ForeignKey("accounts.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    revoked_by: Mapped[str | None] = mapped_column(String(32))
    revoke_reason: Mapped[str | None] = mapped_column(String(256))
    rotated_from_id: Mapped[str | None] = mapped_column(ForeignKey("api_keys.id"))
    replaced_by_id: Mapped[str | None] = mapped_column(String(32))
    last_used_at: Mapped[datetime | None]
    usage_count: Mapped[int] = mapped_column(BigInteger, default=0)
