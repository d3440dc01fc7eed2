"""Response bodies of the alerts an app's team reads."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field


class AppAlertOut(BaseModel):
    """An alert as the app's team sees it: what happened and when, not who on the platform's
    staff resolved it."""

    id: int
    level: int = Field(description="75 warning, 85 severe, 95 urgent")
    kind: str
    subject: str
    summary: str
    details: dict[str, Any]
    count: int = Field(description="How many times it was raised while open")
    raised_at: datetime
    last_seen_at: datetime
    resolved_at: datetime | None


class AppAlertPage(BaseModel):
    items: list[AppAlertOut]
    next_cursor: int | None = Field(description="Pass as `cursor` for the next (older) page")
