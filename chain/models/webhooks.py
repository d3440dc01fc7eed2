"""Where an app backend receives transaction status events, and each event's delivery."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint, true
from sqlalchemy.orm import Mapped, mapped_column

from chainless.platform.core.clock import utcnow
from chainless.platform.models.base import Base


class WebhookEndpoint(Base):
    __tablename__ = "relay_webhook_endpoints"

    app_id: Mapped[str] = mapped_column(
        ForeignKey("mini_programs.app_id", ondelete="CASCADE"), primary_key=True
    )
    url: Mapped[str] = mapped_column(String(512))
    # the event types it receives (``transaction.<state>``); None: every type
    events: Mapped[list[str] | None] = mapped_column(default=None)
    enabled: Mapped[bool] = mapped_column(default=True, server_default=true())
    secret_sealed: Mapped[str] = mapped_column(Text)  # AES-GCM under the platform key
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class WebhookDelivery(Base):
    """One event for one app; ``id`` is the event id receivers deduplicate on."""

    __tablename__ = "relay_webhook_deliveries"
    __table_args__ = (UniqueConstraint("transaction_id", "version"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    app_id: Mapped[str] = mapped_column(
        ForeignKey("mini_programs.app_id", ondelete="CASCADE"), index=True
    )
    transaction_id: Mapped[str] = mapped_column(
        ForeignKey("relayed_transactions.id", ondelete="CASCADE")
    )
    version: Mapped[int]  # the transaction's state version this event reports
    event_type: Mapped[str] = mapped_column(String(32))
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    attempts: Mapped[int] = mapped_column(default=0)
    last_status: Mapped[int | None]
    last_error: Mapped[str | None] = mapped_column(String(512))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    delivered_at: Mapped[datetime | None]
    next_attempt_at: Mapped[datetime | None]  # a failed one: when the job's backoff sends it next
    abandoned_at: Mapped[datetime | None]
