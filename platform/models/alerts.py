"""Operational alerts (spec, monitoring 1.3: warning 75, severe 85, urgent 95)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from chainless.platform.core.clock import utcnow
from chainless.platform.models.base import Base, BigId


class Alert(Base):
    __tablename__ = "alerts"
    __table_args__ = (Index("ix_alerts_open_dedup", "dedup_key", "resolved_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    level: Mapped[int]  # 75 warning, 85 severe, 95 urgent
    kind: Mapped[str] = mapped_column(String(64), index=True)
    subject: Mapped[str] = mapped_column(String(128))  # what it is about: an address, an app, an IP
    dedup_key: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(String(512))
    app_id: Mapped[str | None] = mapped_column(String(32), index=True)
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)
    count: Mapped[int] = mapped_column(default=1)
    raised_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[datetime | None]
    resolved_by: Mapped[str | None] = mapped_column(String(32))
