"""Queries of the sponsored path that read several things at once (all SQL in repositories).

``in_flight`` answers, in one round trip on PostgreSQL, what the sponsored checks need about
transactions not final yet: whether the signer already has a sponsored request waiting to be
mined (its forwarder nonce is taken), and the worst case the app's in-flight sponsored
transactions may still cost its budget (gas limit * max fee, not charged yet).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Numeric, exists, func, select, type_coerce
from sqlalchemy.orm import Session

from chainless.chain.models import RelayedTransaction, TxKind, TxState

T = RelayedTransaction
NOT_MINED = (TxState.RECEIVED, TxState.SUBMITTED, TxState.STUCK)
NOT_CHARGED = (*NOT_MINED, TxState.MINED)


@dataclass(frozen=True)
class InFlight:
    signer_pending: bool
    reserved_wei: int


def in_flight(session: Session, app_id: str, chain_id: int, signer: str) -> InFlight:
    pending = exists().where(
        T.chain_id == chain_id,
        T.sender == signer,
        T.kind == TxKind.SPONSORED,
        T.state.in_(NOT_MINED),
    )
    of_app = (T.app_id == app_id, T.kind == TxKind.SPONSORED, T.state.in_(NOT_CHARGED))
    if session.get_bind().dialect.name != "postgresql":  # SQLite keeps quantities as text
        rows = session.execute(select(T.gas_limit, T.max_fee_per_gas).where(*of_app))
        reserved = sum(gas * fee for gas, fee in rows)
        return InFlight(bool(session.scalar(select(pending))), reserved)
    worst = type_coerce(T.gas_limit, Numeric) * type_coerce(T.max_fee_per_gas, Numeric)
    total = select(func.coalesce(func.sum(worst), 0)).where(*of_app).scalar_subquery()
    found = session.execute(select(pending, total)).one()
    return InFlight(bool(found[0]), int(found[1]))
