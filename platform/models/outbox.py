"""The mail outbox: every message is written here first, in the transaction that caused it.

In the embedded default it stays here (the console and ``chainless outbox`` show it); with SMTP
configured a job delivers it after the commit and records the outcome.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from chainless.platform.core.clock import utcnow
from chainless.platform.models.base import Base


class OutboxEmail(Base):
    __tablename__ = "outbox_emails"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    to_address: Mapped[str] = mapped_column(String(254), index=True)
    subject: Mapped[str] = mapped_column(String(256))
    body: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending|sent|stored|failed
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    sent_at: Mapped[datetime | None]
