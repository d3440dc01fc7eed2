"""The relay's daily volume for the operators' overview (``chainless.platform.overview``): one
aggregate query grouped by UTC day and kind."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ColumnElement, case, func, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from chainless.chain.models.relay import RelayedTransaction, TxState
from chainless.platform.overview.service import RelayDay

_FAILED = (TxState.FAILED.value, TxState.DROPPED.value)


def daily_volume(session: Session, since: datetime) -> list[RelayDay]:
    tx = RelayedTransaction
    day = func.date(_in_utc(session, tx.created_at))  # a date on PostgreSQL, text on SQLite
    rows = session.execute(
        select(day, tx.kind, func.count(), func.sum(case((tx.state.in_(_FAILED), 1), else_=0)))
        .where(tx.created_at >= since)
        .group_by(day, tx.kind)
    ).all()
    return [
        RelayDay(_as_date(d), str(kind), int(total), int(failed or 0))
        for d, kind, total, failed in rows
    ]


def _in_utc(
    session: Session, moment: ColumnElement[datetime] | InstrumentedAttribute[datetime]
) -> ColumnElement[datetime]:
    """The day of a ``timestamptz`` follows the session's time zone on PostgreSQL: pin it to UTC.
    SQLite stores the UTC text already."""
    if session.get_bind().dialect.name == "postgresql":
        return func.timezone("UTC", moment)
    return moment.expression if isinstance(moment, InstrumentedAttribute) else moment


def _as_date(value: date | str) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
