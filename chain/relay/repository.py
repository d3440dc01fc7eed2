"""Every query of the relay. Reads on behalf of an app filter by that app, so another app's
transaction is simply not found (tenant isolation in one place)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    Table,
    TextClause,
    bindparam,
    case,
    func,
    or_,
    select,
    text,
    update,
)
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
from chainless.chain.relay.minute_window import MinuteWindow, minute_of
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
    """The day's usage with the transaction just added, and the last minute's estimated counts
    (burst detection, spec 3.2.1: ``minute_window``) with it included."""

    today: Usage
    user_minute: float
    app_minute: float


def store_and_count(session: Session, values: dict[str, Any], now: datetime) -> Added | None:
    """Store a submission (:func:`insert_new`) and add it to its day's usage
    (:func:`add_daily_usage`); ``None`` when its hash was stored before, and then nothing is
    added. PostgreSQL does both in one statement, the usage upsert reading the insert's
    ``RETURNING``: one round trip fewer on every submission, the same rows locked in the same
    order."""
    app_id, wallet, tx_id = values["app_id"], values["sender"], values["id"]
    if session.get_bind().dialect.name != "postgresql":
        if not insert_new(session, values):
            return None
        return add_daily_usage(session, app_id, now, wallet, values["value"], tx_id)
    params = values | _usage_params(app_id, now, wallet, values["value"])
    rows = session.connection().execute(_insert_counted(tuple(values)), params).all()
    if not rows:
        return None
    return _added(session, rows, app_id, now, wallet, tx_id)


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
    first: no deadlock. PostgreSQL does it in one upsert that locks the rows and moves their
    burst windows; SQLite, one writer at a time, in Python (its quantities are text)."""
    if session.get_bind().dialect.name != "postgresql":
        today, windows = _add_daily_usage_locked(session, app_id, now, wallet, value, tx_id)
        return Added(today, windows[wallet].last_minute(now), windows[""].last_minute(now))
    params = _usage_params(app_id, now, wallet, value)
    rows = session.connection().execute(_ADD_DAILY_USAGE, params).all()
    return _added(session, rows, app_id, now, wallet, tx_id)


def _usage_params(app_id: str, now: datetime, wallet: str, value: int) -> dict[str, Any]:
    return {
        "app_id": app_id,
        "day": day_start_of(now).date(),
        "wallet": wallet,
        "value": value,
        "now": now,
        "minute": minute_of(now),
    }


def _added(
    session: Session, rows: Sequence[Any], app_id: str, now: datetime, wallet: str, tx_id: str
) -> Added:
    """The upsert's returned rows as the day's totals and the burst windows."""
    totals = {w: (int(n), int(v)) for w, n, v, *_ in rows}
    windows = {w: MinuteWindow(start, count, before) for w, _, _, start, count, before in rows}
    if any(n == 1 for n, _ in totals.values()):  # a row just created: counted from zero
        totals = _start_created_rows(session, app_id, day_start_of(now), wallet, tx_id, totals)
    today = Usage(*totals[wallet], *totals[""])
    return Added(today, windows[wallet].last_minute(now), windows[""].last_minute(now))


# In ON CONFLICT's SET, ``u`` is the row as it was: the burst window moves as
# ``MinuteWindow.added`` moves it (the same minute or a later process's: one more; the next
# minute: the count becomes the previous one; later: both start over).
_USAGE_UPSERT = """
    ON CONFLICT (app_id, day, wallet) DO UPDATE
    SET tx_count = u.tx_count + 1,
        value_wei = u.value_wei + excluded.value_wei,
        updated_at = excluded.updated_at,
        minute_start = GREATEST(u.minute_start, excluded.minute_start),
        minute_count = CASE WHEN u.minute_start >= excluded.minute_start
                            THEN u.minute_count + 1 ELSE 1 END,
        previous_minute_count = CASE
            WHEN u.minute_start >= excluded.minute_start THEN u.previous_minute_count
            WHEN u.minute_start = excluded.minute_start - interval '1 minute' THEN u.minute_count
            ELSE 0 END
    RETURNING u.wallet, u.tx_count, u.value_wei, u.minute_start, u.minute_count,
              u.previous_minute_count
"""
_USAGE_COLUMNS = """relay_daily_usage AS u (app_id, day, wallet, tx_count, value_wei, updated_at,
                                            minute_start, minute_count, previous_minute_count)"""

_ADD_DAILY_USAGE = text(  # composed of the constants above only
    f"""
    INSERT INTO {_USAGE_COLUMNS}
    VALUES (:app_id, :day, '', 1, :value, :now, :minute, 1, 0),
           (:app_id, :day, :wallet, 1, :value, :now, :minute, 1, 0)
    {_USAGE_UPSERT}
    """  # noqa: S608
)


@cache
def _insert_counted(columns: tuple[str, ...]) -> TextClause:
    """``INSERT … ON CONFLICT (hash) DO NOTHING`` of ``columns`` (typed as the table's), whose
    returned id feeds the usage upsert: a known hash returns no row and adds nothing. The app's
    row comes first (``ORDER BY``), as in ``_ADD_DAILY_USAGE``."""
    typed = [bindparam(name, type_=_TX_TABLE.c[name].type) for name in columns]  # KeyError
    names = ", ".join(columns)  # the table's own column names only, checked just above
    binds = ", ".join(f":{name}" for name in columns)
    statement = text(
        f"""
        WITH inserted AS (
            INSERT INTO relayed_transactions ({names}) VALUES ({binds})
            ON CONFLICT (hash) DO NOTHING
            RETURNING id
        )
        INSERT INTO {_USAGE_COLUMNS}
        SELECT :app_id, :day, w.wallet, 1, :value, :now, :minute, 1, 0
        FROM inserted, (VALUES (''), (:wallet)) AS w (wallet)
        ORDER BY w.wallet
        {_USAGE_UPSERT}
        """  # noqa: S608
    )
    return statement.bindparams(*typed)


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
    session: Session, app_id: str, now: datetime, wallet: str, value: int, tx_id: str
) -> tuple[Usage, dict[str, MinuteWindow]]:
    usage = RelayDailyUsage
    day_start = day_start_of(now)
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
                    app_id=app_id,
                    day=day,
                    wallet=row_wallet,
                    tx_count=count,
                    value_wei=total,
                    minute_count=0,
                    previous_minute_count=0,
                )
                session.add(rows[row_wallet])
    windows = {}
    for row_wallet, row in rows.items():
        row.tx_count += 1
        row.value_wei += value
        row.updated_at = utcnow()
        window = MinuteWindow(row.minute_start, row.minute_count, row.previous_minute_count)
        window = window.added(now)
        row.minute_start, row.minute_count = window.start, window.count
        row.previous_minute_count = window.previous
        windows[row_wallet] = window
    session.flush()
    app_row, user_row = rows[""], rows[wallet]
    today = Usage(user_row.tx_count, user_row.value_wei, app_row.tx_count, app_row.value_wei)
    return today, windows


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
