"""Queries of the sponsored path that read several things at once (all SQL in repositories).

``in_flight`` answers, in one round trip on PostgreSQL, what the sponsored checks need about
transactions not final yet: whether the signer already has a sponsored request waiting to be
mined (its forwarder nonce is taken), and the worst case the app's in-flight sponsored
transactions may still cost its budget (gas limit * max fee, not charged yet).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

from sqlalchemy import Table, exists, insert, inspect, select, text
from sqlalchemy.orm import Session

from chainless.chain.models import RelayedTransaction, TxKind, TxState

T = RelayedTransaction
_COLUMNS = tuple(attribute.key for attribute in inspect(T).column_attrs)
_INSERT = insert(cast(Table, T.__table__))  # core: no ORM bulk-insert machinery
NOT_MINED = (TxState.RECEIVED, TxState.SUBMITTED, TxState.STUCK)
NOT_CHARGED = (*NOT_MINED, TxState.MINED)


@dataclass(frozen=True)
class InFlight:
    signer_pending: bool
    reserved_wei: int


# Written out once (PostgreSQL): two index lookups in one round trip, no statement to build.
_IN_FLIGHT = text(
    "SELECT EXISTS (SELECT 1 FROM relayed_transactions WHERE chain_id = :chain_id "
    "AND sender = :signer AND kind = 'sponsored' "
    "AND state IN ('received', 'submitted', 'stuck')), "
    "(SELECT coalesce(sum(gas_limit * max_fee_per_gas), 0) FROM relayed_transactions "
    "WHERE app_id = :app_id AND kind = 'sponsored' "
    "AND state IN ('received', 'submitted', 'stuck', 'mined'))"
)


def in_flight(session: Session, app_id: str, chain_id: int, signer: str) -> InFlight:
    if session.get_bind().dialect.name == "postgresql":
        params = {"app_id": app_id, "chain_id": chain_id, "signer": signer}
        pending, reserved = session.execute(_IN_FLIGHT, params).one()
        return InFlight(bool(pending), int(reserved))
    pending = exists().where(  # SQLite keeps quantities as text: summed here
        T.chain_id == chain_id,
        T.sender == signer,
        T.kind == TxKind.SPONSORED,
        T.state.in_(NOT_MINED),
    )
    rows = session.execute(
        select(T.gas_limit, T.max_fee_per_gas).where(
            T.app_id == app_id, T.kind == TxKind.SPONSORED, T.state.in_(NOT_CHARGED)
        )
    )
    reserved = sum(gas * fee for gas, fee in rows)
    return InFlight(bool(session.scalar(select(pending))), reserved)


def add_new(session: Session, record: RelayedTransaction) -> None:
    """Insert a new transaction with one prebuilt statement (every column given: the record's
    defaults are set by the caller). The record stays outside the session: it is only read
    afterwards, and the ORM's unit of work would cost more CPU than the row."""
    session.execute(_INSERT, {name: getattr(record, name) for name in _COLUMNS})
