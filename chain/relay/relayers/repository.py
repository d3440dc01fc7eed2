"""Every query on relayer nonces. The nonce row is the lock: PostgreSQL locks it with
``SELECT … FOR UPDATE`` (or the upsert that takes a nonce); SQLite has one writer at a time, and
the insert that makes sure the row exists already takes its write lock, so allocations are
serialized there too."""

from __future__ import annotations

from sqlalchemy import select, text
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


# Written out once: building the upsert with the expression language on every request costs
# more CPU than the round trip it saves.
_TAKE_NONCE = text(
    "INSERT INTO relayer_nonces (chain_id, address, next_nonce, updated_at) "
    "VALUES (:chain_id, :address, :pending + 1, :now) "
    "ON CONFLICT (chain_id, address) DO UPDATE SET "
    "next_nonce = GREATEST(relayer_nonces.next_nonce, EXCLUDED.next_nonce - 1) + 1, "
    "updated_at = EXCLUDED.updated_at "
    "RETURNING next_nonce"
)


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
    params = {"chain_id": chain_id, "address": address, "pending": pending, "now": utcnow()}
    next_nonce = session.execute(_TAKE_NONCE, params).scalar_one()
    _forget_row(session, chain_id, address)
    return int(next_nonce) - 1


def _forget_row(session: Session, chain_id: int, address: str) -> None:
    """A row loaded before the upsert is stale: drop it from the identity map."""
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
