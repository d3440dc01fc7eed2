"""The overview's aggregate queries over the platform's own tables (one per figure)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from chainless.platform.audit.schemas import as_utc
from chainless.platform.models import AppStatus, MiniProgram, Qualification


def apps_by_status(session: Session) -> dict[AppStatus, int]:
    rows = session.execute(
        select(MiniProgram.status, func.count()).group_by(MiniProgram.status)
    ).all()
    counts = dict.fromkeys(AppStatus, 0)
    for status, count in rows:
        counts[AppStatus(status)] = int(count)
    return counts


def apps_waiting(session: Session) -> tuple[int, datetime | None]:
    """Apps in review, and the oldest submission among them."""
    count, oldest = session.execute(
        select(func.count(), func.min(MiniProgram.submitted_at)).where(
            MiniProgram.status == int(AppStatus.IN_REVIEW)
        )
    ).one()
    return int(count), as_utc(oldest)


def qualifications_waiting(session: Session) -> tuple[int, datetime | None]:
    count, oldest = session.execute(
        select(func.count(), func.min(Qualification.submitted_at)).where(
            Qualification.status == "pending"
        )
    ).one()
    return int(count), as_utc(oldest)
