"""Queries for qualifications."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from chainless.platform.models import Qualification


def latest_of(session: Session, account_id: str) -> Qualification | None:
    return session.scalar(
        select(Qualification)
        .where(Qualification.account_id == account_id)
        .order_by(Qualification.submitted_at.desc())
        .limit(1)
    )


def by_status(
    session: Session, status: str | None, *, limit: int, offset: int
) -> list[Qualification]:
    statement = (
        select(Qualification).order_by(Qualification.submitted_at.asc()).limit(limit).offset(offset)
    )
    if status:
        statement = statement.where(Qualification.status == status)
    return list(session.scalars(statement))
