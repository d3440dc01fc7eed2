"""The queries of the developer's view of the relay. Every read takes the app whose rows it reads
(loaded by ``apps.access.app_for``, which is the tenant check), so another app's rows are never
in the answer.

Lists are keyset-paginated, newest first, on ``(created_at, id)``: a page stays stable while new
rows arrive, and the position costs an index seek however deep the page (the transactions
through ``ix_relayed_transactions_app_created``)."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, or_, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from chainless.chain.models import (
    RelayDailyUsage,
    RelayedTransaction,
    TxKind,
    WebhookDelivery,
)
from chainless.platform.core.errors import Unprocessable

T = RelayedTransaction
D = WebhookDelivery


@dataclass(frozen=True)
class Position:
    """Where a page starts: after the row created at ``created_at`` with id ``id``."""

    created_at: datetime
    id: str

    def encode(self) -> str:
        text = f"{self.created_at.isoformat()}|{self.id}"
        return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")

    @classmethod
    def decode(cls, cursor: str) -> Position:
        """The cursor of a previous page; anything else is ``422 invalid_cursor``."""
        try:
            raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
            moment, row_id = raw.split("|", 1)
            created_at = datetime.fromisoformat(moment)
        except (binascii.Error, UnicodeDecodeError, ValueError):
            raise Unprocessable(
                "cursor is not the next_cursor of a previous page",
                code="invalid_cursor",
                field="cursor",
            ) from None
        if created_at.tzinfo is None or not row_id or len(row_id) > 32:
            raise Unprocessable(
                "cursor is not the next_cursor of a previous page",
                code="invalid_cursor",
                field="cursor",
            )
        return cls(created_at, row_id)


def _page(
    session: Session,
    statement: Select[Any],
    created: InstrumentedAttribute[datetime],
    row_id: InstrumentedAttribute[str],
    after: Position | None,
    limit: int,
) -> tuple[list[Any], str | None]:
    if after is not None:
        statement = statement.where(
            or_(created < after.created_at, and_(created == after.created_at, row_id < after.id))
        )
    rows = list(session.scalars(statement.order_by(created.desc(), row_id.desc()).limit(limit + 1)))
    if len(rows) <= limit:
        return rows, None
    last = rows[limit - 1]
    return rows[:limit], Position(last.created_at, last.id).encode()


def transactions(
    session: Session,
    app_id: str,
    *,
    state: str | None,
    environment: str | None,
    after: Position | None,
    limit: int,
) -> tuple[list[RelayedTransaction], str | None]:
    """A page of the app's transactions, newest first, and the next page's cursor."""
    statement = select(T).where(T.app_id == app_id)
    if state is not None:
        statement = statement.where(T.state == state)
    if environment is not None:
        statement = statement.where(T.environment == environment)
    return _page(session, statement, T.created_at, T.id, after, limit)


def deliveries(
    session: Session,
    app_id: str,
    *,
    transaction_id: str | None = None,
    after: Position | None = None,
    limit: int,
) -> tuple[list[WebhookDelivery], str | None]:
    """A page of the app's webhook events (one transaction's when given), newest first."""
    statement = select(D).where(D.app_id == app_id)
    if transaction_id is not None:
        statement = statement.where(D.transaction_id == transaction_id)
    return _page(session, statement, D.created_at, D.id, after, limit)


def hashes_of(session: Session, transaction_ids: set[str]) -> dict[str, str]:
    """The current hash of each transaction, for a page of deliveries (one query)."""
    if not transaction_ids:
        return {}
    rows = session.execute(select(T.id, T.hash).where(T.id.in_(transaction_ids)))
    return {str(row_id): str(tx_hash) for row_id, tx_hash in rows.all()}


def app_usage_of_day(session: Session, app_id: str, day_start: datetime) -> tuple[int, int]:
    """The app's count and value relayed on the UTC day (its usage row; none: nothing yet)."""
    found = session.execute(
        select(RelayDailyUsage.tx_count, RelayDailyUsage.value_wei).where(
            RelayDailyUsage.app_id == app_id,
            RelayDailyUsage.day == day_start.date(),
            RelayDailyUsage.wallet == "",
        )
    ).first()
    return (0, 0) if found is None else (int(found[0]), int(found[1]))


def sponsored_fees_since(session: Session, app_id: str, since: datetime) -> int:
    """What the app's sponsored transactions that became final since ``since`` cost
    (gas used * effective gas price). Exact on PostgreSQL (NUMERIC); SQLite sums its text
    quantities as floats."""
    cost: ColumnElement[Any] = T.gas_used * T.effective_gas_price
    total = session.scalar(
        select(func.coalesce(func.sum(cost), 0)).where(
            T.app_id == app_id,
            T.kind == TxKind.SPONSORED,
            T.finished_at >= since,
            T.gas_used.is_not(None),
            T.effective_gas_price.is_not(None),
        )
    )
    return int(Decimal(str(total or 0)))
