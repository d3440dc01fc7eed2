"""Every query of the relay. Reads on behalf of an app filter by that app, so another app's
transaction is simply not found (tenant isolation in one place)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import ColumnElement, Table, bindparam, case, func, or_, select, text, update
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


def insert_new(session: Session, values: dict[str, Any]) -> bool:
    """Store a transaction unless one with its hash is there (the same transaction racing in
    twice: one insert wins, the other waits for it and inserts nothing). A core
    ``INSERT … ON CONFLICT (hash) DO NOTHING``, compiled once: no ORM flush, no savepoint."""
    statement = _INSERT_NEW[session.get_bind().dialect.name]
    return session.connection().execute(statement, values).first() is not None


_TX_TABLE = cast(Table, T.__table__)
_USAGE_TABLE = cast(Table, RelayDailyUsage.__table__)
_INSERT_NEW = {
    "postgresql": pg_insert(_TX_TABLE)
    .on_conflict_do_nothing(index_elements=["hash"])
    .returning(_TX_TABLE.c.id),
    "sqlite": sqlite_insert(_TX_TABLE)
    .on_conflict_do_nothing(index_elements=["hash"])
    .returning(_TX_TABLE.c.id),
}


def minute_counts(
    session: Session, app_id: str, sender: str, minute_start: datetime
) -> tuple[int, int]:
    """The sender's and the app's transactions stored since ``minute_start`` (this request's
    own insert included): spec 3.2.1 burst detection."""
    params = {"app_id": app_id, "sender": sender, "since": minute_start}
    user, app = session.connection().execute(_MINUTE_COUNTS, params).one()
    return int(user), int(app)


_MINUTE_COUNTS = select(
    func.coalesce(func.sum(case((T.sender == bindparam("sender"), 1), else_=0)), 0),
    func.count(),
).where(T.app_id == bindparam("app_id"), T.created_at >= bindparam("since"))


def _total(condition: ColumnElement[bool], what: Any) -> ColumnElement[Any]:
    return func.coalesce(func.sum(case((condition, what), else_=0)), 0)


def _sum(what: Any) -> ColumnElement[Any]:
    return func.coalesce(func.sum(what), 0)


def stored_usage(
    session: Session, app_id: str, sender: str, day_start: datetime, but: str
) -> Usage:
    """The day's usage as the stored transactions say, transaction ``but`` left out: where a
    day's usage row starts when it is created (a day begun before the rows existed is still
    counted). Sums the app's whole day: once per app and sender a day."""
    mine = T.sender == sender
    summed = session.execute(
        select(_total(mine, 1), _total(mine, T.value), func.count(), _sum(T.value)).where(
            T.app_id == app_id, T.created_at >= day_start, T.id != but
        )
    ).one()
    return Usage(*(int(v) for v in summed))


@dataclass(frozen=True, slots=True)
class Added:
    """The day's usage with the transaction just added, and the last minute's counts (burst
    detection, spec 3.2.1) with it included."""

    today: Usage
    user_minute: int
    app_minute: int


def add_daily_usage(
    session: Session,
    app_id: str,
    now: datetime,
    wallet: str,
    value: int,
    tx_id: str,
) -> Added:
    """Add transaction ``tx_id`` of ``value`` wei (already stored) to the app's and the wallet's
    usage rows of the day and answer their totals with it. The rows stay locked until the
    transaction ends, so concurrent submissions of the app queue here and each sees the others'
    additions; the caller rolls back when a total is above a limit. A row created here starts
    from what the stored transactions say (:func:`stored_usage`). The app's row is always locked
    first: no deadlock. PostgreSQL does it in one statement with the minute's counts (an upsert
    that locks the rows); SQLite, one writer at a time, in Python (its quantities are text)."""
    day_start, since = day_start_of(now), minute_before(now)
    if session.get_bind().dialect.name != "postgresql":
        today = _add_daily_usage_locked(session, app_id, day_start, wallet, value, tx_id)
        return Added(today, *minute_counts(session, app_id, wallet, since))
    params = {
        "app_id": app_id,
        "day": day_start.date(),
        "wallet": wallet,
        "value": value,
        "now": now,
        "since": since,
    }
    rows = session.connection().execute(_ADD_DAILY_USAGE, params).all()
    totals = {w: (int(n), int(v)) for w, n, v in rows if w is not None}
    user_minute, app_minute = next((int(n), int(v)) for w, n, v in rows if w is None)
    if any(n == 1 for n, _ in totals.values()):  # a row just created: counted from zero
        totals = _start_created_rows(session, app_id, day_start, wallet, tx_id, totals)
    return Added(Usage(*totals[wallet], *totals[""]), user_minute, app_minute)


_ADD_DAILY_USAGE = text(
    """
    WITH added AS (
        INSERT INTO relay_daily_usage AS u (app_id, day, wallet, tx_count, value_wei, updated_at)
        VALUES (:app_id, :day, '', 1, :value, :now), (:app_id, :day, :wallet, 1, :value, :now)
        ON CONFLICT (app_id, day, wallet) DO UPDATE
        SET tx_count = u.tx_count + 1,
            value_wei = u.value_wei + excluded.value_wei,
            updated_at = excluded.updated_at
        RETURNING u.wallet, u.tx_count, u.value_wei
    )
    SELECT wallet, tx_count, value_wei FROM added
    UNION ALL
    SELECT NULL, count(*) FILTER (WHERE sender = :wallet), count(*)
    FROM relayed_transactions WHERE app_id = :app_id AND created_at >= :since
    """
)


def _start_created_rows(
    session: Session,
    app_id: str,
    day_start: datetime,
    wallet: str,
    tx_id: str,
    totals: dict[str, tuple[int, int]],
) -> dict[str, tuple[int, int]]:
    """Add to the rows just created (count 1: an existing row had at least one already) what
    the stored transactions say; the rows are ours, locked, until the commit."""
    stored = stored_usage(session, app_id, wallet, day_start, tx_id)
    starts = {
        "": (stored.app_tx, stored.app_value_wei),
        wallet: (stored.user_tx, stored.user_value_wei),
    }
    usage = RelayDailyUsage
    for row_wallet, (count, total) in list(totals.items()):
        add_count, add_value = starts[row_wallet]
        if count != 1 or (add_count == 0 and add_value == 0):
            continue
        session.connection().execute(
            update(_USAGE_TABLE)
            .where(
                usage.app_id == app_id, usage.day == day_start.date(), usage.wallet == row_wallet
            )
            .values(tx_count=usage.tx_count + add_count, value_wei=usage.value_wei + add_value)
        )
        totals[row_wallet] = (count + add_count, total + add_value)
    return totals


def _add_daily_usage_locked(
    session: Session, app_id: str, day_start: datetime, wallet: str, value: int, tx_id: str
) -> Usage:
    usage = RelayDailyUsage
    day = day_start.date()
    rows = {
        row.wallet: row
        for row in session.scalars(
            select(usage)
            .where(usage.app_id == app_id, usage.day == day, usage.wallet.in_(("", wallet)))
            .execution_options(populate_existing=True)
        )
    }
    if len(rows) < 2:
        today = stored_usage(session, app_id, wallet, day_start, tx_id)
        starts = (
            ("", today.app_tx, today.app_value_wei),
            (wallet, today.user_tx, today.user_value_wei),
        )
        for row_wallet, count, total in starts:
            if row_wallet not in rows:
                rows[row_wallet] = usage(
                    app_id=app_id, day=day, wallet=row_wallet, tx_count=count, value_wei=total
                )
                session.add(rows[row_wallet])
    app_row, user_row = rows[""], rows[wallet]
    for row in (app_row, user_row):
        row.tx_count += 1
        row.value_wei += value
        row.updated_at = utcnow()
    session.flush()
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


def day_start_of(moment: datetime) -> datetime:
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
