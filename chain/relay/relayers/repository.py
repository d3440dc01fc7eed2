"""Every query on relayer nonces. The nonce row is the lock: PostgreSQL locks it with
``SELECT … FOR UPDATE``; SQLite has one writer at a time, and the insert that makes sure the row
exists already takes its write lock, so allocations are serialized there too."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from chainless.chain.models import RelayedTransaction, RelayerNonce, TxState
from chainless.platform.core.clock import utcnow

IN_FLIGHT = (TxState.RECEIVED, TxState.SUBMITTED, TxState.STUCK)


def locked_nonce_row(session: Session, chain_id: int, address: str) -> RelayerNonce:
    """The account's row, created at nonce 0 when missing, locked until the transaction ends."""
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    session.execute(
        insert(RelayerNonce)
        .values(chain_id=chain_id, address=address, next_nonce=0, updated_at=utcnow())
        .on_conflict_do_nothing(index_elements=["chain_id", "address"])
    )
    row = session.scalar(
        select(RelayerNonce)
        .where(RelayerNonce.chain_id == chain_id, RelayerNonce.address == address)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    assert row is not None  # inserted above or already there
    return row


def in_flight_from(session: Session, chain_id: int, relayer: str, nonce: int) -> int:
    """How many of the relayer's transactions at ``nonce`` or above still wait for the chain
    (compared in Python: SQLite keeps quantities as text; in-flight rows are few)."""
    tx = RelayedTransaction
    nonces = session.scalars(
        select(tx.nonce).where(
            tx.chain_id == chain_id, tx.relayer == relayer, tx.state.in_(IN_FLIGHT)
        )
    )
    return sum(1 for n in nonces if n >= nonce)
