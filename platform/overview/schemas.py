"""The overview's response body."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field


class AppsByStatus(BaseModel):
    """How many apps are in each status (``AppStatus``: 0 development … 3 delisted)."""

    development: int = Field(description="status 0")
    in_review: int = Field(description="status 1")
    online: int = Field(description="status 2")
    delisted: int = Field(description="status 3")


class Backlog(BaseModel):
    waiting: int
    oldest_submitted_at: datetime | None = Field(description="When the longest wait began")


class ReviewBacklog(BaseModel):
    apps: Backlog
    qualifications: Backlog


class RelayDayOut(BaseModel):
    """One UTC day of the relay: transactions accepted, by who pays the gas, and failures."""

    day: date
    sponsored: int
    self_paid: int
    failed: int = Field(description="Failed or dropped, of the day's transactions")


class RelayVolumeOut(BaseModel):
    days: list[RelayDayOut] = Field(description="Oldest first, every day present (zeros too)")
    sponsored: int
    self_paid: int
    failed: int


class OverviewOut(BaseModel):
    generated_at: datetime
    apps: AppsByStatus
    review: ReviewBacklog
    relay: RelayVolumeOut
