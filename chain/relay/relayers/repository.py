"""Every query on relayer nonces. The nonce row is the lock: PostgreSQL locks it with
``SELECT … FOR UPDATE`` (or the upsert that takes a nonce); SQLite has one writer at a time, and
the insert that makes sure the row exists already takes its write lock, so allocations are
serialized there too."""

from __future__ import annotations

from sqlalchemy import func, select
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


def take_nonce(session: Session, chain_id: int, address: str, pending: int) -> int:
    """The account's next nonce (at least the node's ``pending``), the row moved past it.

    On PostgreSQL one ``INSERT … ON CONFLICT DO UPDATE … RETURNING``: the update locks the row
    until the transaction ends and, under READ COMMITTED, works on the last committed version,
    so concurrent takers queue and each gets the next nonce. Elsewhere, the locked row."""
    if session.get_bind().dialect.name != "postgresql":
        row = locked_nonce_row(session, chain_id, address)
        nonce = max(int(row.next_nonce), pending)
        row.next_nonce = nonce + 1
        session.flush()
        return nonce
    table = RelayerNonce.__table__
    statement = pg_insert(RelayerNonce).values(
        chain_id=chain_id, address=address, next_nonce=pending + 1, updated_at=utcnow()
    )
    taken = statement.on_conflict_do_update(
        index_elements=["chain_id", "address"],
        set_={
            "next_nonce": func.greatest(table.c.next_nonce, statement.excluded.next_nonce - 1) + 1,
            "updated_at": statement.excluded.updated_at,
        },
    ).returning(table.c.next_nonce)
    next_nonce = session.execute(taken).scalar_one()
    _forget_row(session, chain_id, address)
    return int(next_nonce) - 1


def _forget_row(session: Session, chain_id: int, address: str) -> None:
    """A row loaded before the core upsert is stale: drop it from the identity map."""
    row = session.identity_map.get(session.identity_key(RelayerNonce, (chain_id, address)))
    if row is not None:
        session.expunge(row)


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
