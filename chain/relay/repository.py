"""Every query of the relay. Reads on behalf of an app filter by that app, so another app's
transaction is simply not found (tenant isolation in one place)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, case, func, or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from chainless.chain.models import (
    RelayAttempt,
    RelayDailyUsage,
    RelayedTransaction,
    RelayPolicy,
    TxKind,
    TxState,
    WebhookDelivery,
    WebhookEndpoint,
)
from chainless.chain.relay.policy import Usage
from chainless.platform.core.clock import utcnow

T = RelayedTransaction


def by_hash(session: Session, tx_hash: str) -> RelayedTransaction | None:
    """Any app's transaction: only for idempotency of a submission, never shown as is."""
    return session.scalar(select(T).where(T.hash == tx_hash))


def of_app(session: Session, app_id: str, tx_hash: str) -> RelayedTransaction | None:
    """By its current hash or by the hash of any attempt sent for it (a replaced one included)."""
    found = session.scalar(select(T).where(T.hash == tx_hash, T.app_id == app_id))
    if found is None:
        found = session.scalar(
            select(T)
            .join(RelayAttempt, RelayAttempt.transaction_id == T.id)
            .where(RelayAttempt.hash == tx_hash, T.app_id == app_id)
        )
    return found


def attempts_of(session: Session, tx: RelayedTransaction) -> list[RelayAttempt]:
    """Every attempt sent for ``tx``, oldest first; none stored until a replacement was made
    (the transaction itself is then the only attempt)."""
    if tx.last_bump_at is None:
        return []
    return list(
        session.scalars(
            select(RelayAttempt)
            .where(RelayAttempt.transaction_id == tx.id)
            .order_by(RelayAttempt.number)
        )
    )


def locked(session: Session, transaction_id: str) -> RelayedTransaction | None:
    return session.scalar(select(T).where(T.id == transaction_id).with_for_update())


def policy_of(session: Session, app_id: str) -> RelayPolicy | None:
    return session.get(RelayPolicy, app_id)


def usage_since(
    session: Session, app_id: str, sender: str, day_start: datetime, minute_start: datetime
) -> tuple[Usage, int, int]:
    """Today's usage of the app and of the sender in it, and both counts of the last minute.

    Today's usage is read from the day's usage rows (primary-key reads), so its cost does not
    grow with the day's volume; the stored transactions are summed only for a row that does
    not exist yet (the app's or the sender's first transaction of the day), the sender's alone
    when the app's row is there."""
    usage = RelayDailyUsage
    rows = {
        wallet: (int(count), int(value))
        for wallet, count, value in session.execute(
            select(usage.wallet, usage.tx_count, usage.value_wei).where(
                usage.app_id == app_id,
                usage.day == day_start.date(),
                usage.wallet.in_(("", sender)),
            )
        )
    }
    mine = T.sender == sender
    user_minute, app_minute = (
        int(v)
        for v in session.execute(
            select(_total(mine, 1), func.count()).where(
                T.app_id == app_id, T.created_at >= minute_start
            )
        ).one()
    )
    if "" not in rows or sender not in rows:
        only_mine = "" in rows
        summed = session.execute(
            select(_total(mine, 1), _total(mine, T.value), func.count(), _sum(T.value)).where(
                T.app_id == app_id, T.created_at >= day_start, *([mine] if only_mine else [])
            )
        ).one()
        user_tx, user_value, app_tx, app_value = (int(v) for v in summed)
        rows.setdefault(sender, (user_tx, user_value))
        rows.setdefault("", (app_tx, app_value))
    return Usage(*rows[sender], *rows[""]), user_minute, app_minute


def _total(condition: ColumnElement[bool], what: Any) -> ColumnElement[Any]:
    return func.coalesce(func.sum(case((condition, what), else_=0)), 0)


def _sum(what: Any) -> ColumnElement[Any]:
    return func.coalesce(func.sum(what), 0)


def add_daily_usage(
    session: Session, app_id: str, day: date, wallet: str, value: int, today: Usage
) -> Usage:
    """Add one transaction of ``value`` wei to the app's and the wallet's usage rows of ``day``
    and answer their totals with it. The rows stay locked until the transaction ends, so
    concurrent submissions of the app queue here and each sees the others' additions; the
    caller rolls back when a total is above a limit. Missing rows start from ``today`` (what
    the stored transactions say), so a day begun before the rows existed is still counted.
    The app's row is always locked first: no deadlock. PostgreSQL does it in one statement
    (an upsert that locks the row); SQLite, one writer at a time, in Python (its quantities
    are text)."""
    if session.get_bind().dialect.name != "postgresql":
        return _add_daily_usage_locked(session, app_id, day, wallet, value, today)
    usage = RelayDailyUsage
    now = utcnow()
    starts = (
        ("", today.app_tx, today.app_value_wei),
        (wallet, today.user_tx, today.user_value_wei),
    )
    statement = pg_insert(usage).values(
        [
            {
                "app_id": app_id,
                "day": day,
                "wallet": w,
                "tx_count": n + 1,
                "value_wei": v + value,
                "updated_at": now,
            }
            for w, n, v in starts
        ]
    )
    totals = {
        w: (int(n), int(v))
        for w, n, v in session.execute(
            statement.on_conflict_do_update(
                index_elements=["app_id", "day", "wallet"],
                set_={
                    "tx_count": usage.tx_count + 1,
                    "value_wei": usage.value_wei + value,
                    "updated_at": now,
                },
            ).returning(usage.wallet, usage.tx_count, usage.value_wei)
        )
    }
    return Usage(*totals[wallet], *totals[""])


def _add_daily_usage_locked(
    session: Session, app_id: str, day: date, wallet: str, value: int, today: Usage
) -> Usage:
    usage = RelayDailyUsage
    starts = (
        ("", today.app_tx, today.app_value_wei),
        (wallet, today.user_tx, today.user_value_wei),
    )
    session.execute(
        sqlite_insert(usage)
        .values(
            [
                {
                    "app_id": app_id,
                    "day": day,
                    "wallet": w,
                    "tx_count": n,
                    "value_wei": v,
                    "updated_at": utcnow(),
                }
                for w, n, v in starts
            ]
        )
        .on_conflict_do_nothing(index_elements=["app_id", "day", "wallet"])
    )
    app_row, user_row = session.scalars(
        select(usage)
        .where(usage.app_id == app_id, usage.day == day, usage.wallet.in_(("", wallet)))
        .order_by(usage.wallet)
        .execution_options(populate_existing=True)
    ).all()
    for row in (app_row, user_row):
        row.tx_count += 1
        row.value_wei += value
        row.updated_at = utcnow()
    return Usage(user_row.tx_count, user_row.value_wei, app_row.tx_count, app_row.value_wei)


def due_for_tracking(session: Session, now: datetime, limit: int) -> list[RelayedTransaction]:
    """Transactions waiting for their next look, oldest first; rows another tracker holds are
    skipped (PostgreSQL ``SKIP LOCKED``)."""
    return list(
        session.scalars(
            select(T)
            .where(
                T.state.in_([TxState.RECEIVED, TxState.SUBMITTED, TxState.STUCK, TxState.MINED]),
                or_(T.next_check_at.is_(None), T.next_check_at <= now),
            )
            .order_by(T.next_check_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
    )


def webhook_endpoint(session: Session, app_id: str) -> WebhookEndpoint | None:
    return session.get(WebhookEndpoint, app_id)


def locked_delivery(session: Session, delivery_id: str) -> WebhookDelivery | None:
    return session.scalar(
        select(WebhookDelivery).where(WebhookDelivery.id == delivery_id).with_for_update()
    )


def day_start(moment: datetime) -> datetime:
    """Midnight UTC of ``moment``'s day: daily limits reset then."""
    return moment.replace(hour=0, minute=0, second=0, microsecond=0)


def minute_before(moment: datetime) -> datetime:
    return moment - timedelta(minutes=1)


def _sponsored_in_flight() -> list[ColumnElement[bool]]:
    return [
        T.kind == TxKind.SPONSORED,
        T.state.in_((TxState.RECEIVED, TxState.SUBMITTED, TxState.STUCK, TxState.MINED)),
    ]


def sponsored_in_flight_cost(session: Session, app_id: str) -> int:
    """The worst case (gas limit * max fee) of the app's sponsored transactions not charged yet;
    summed in Python (SQLite keeps quantities as text; in-flight rows are few)."""
    rows = session.execute(
        select(T.gas_limit, T.max_fee_per_gas).where(T.app_id == app_id, *_sponsored_in_flight())
    )
    return sum(gas * fee for gas, fee in rows)


def sponsored_pending_from(session: Session, chain_id: int, sender: str) -> bool:
    """Whether ``sender`` has a sponsored request not mined yet: its forwarder nonce is taken."""
    statement = select(T.id).where(
        T.chain_id == chain_id,
        T.sender == sender,
        T.kind == TxKind.SPONSORED,
        T.state.in_((TxState.RECEIVED, TxState.SUBMITTED, TxState.STUCK)),
    )
    return session.scalar(statement.limit(1)) is not None
