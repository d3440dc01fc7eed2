"""Nonces of the platform's relayer accounts (EIP-155 account nonces): gapless, never repeated.

Two requests or two worker processes may send from the same account at once; each takes its
nonce while holding the account's row lock (see ``repository``) and stores its transaction in the
same database transaction, so the next one sees it. The node's pending nonce is read under the
lock and wins when it is ahead (the key was used elsewhere, or the row is new: a fresh database).
``resync`` handles the other direction after a restart: a row ahead of the chain with nothing of
ours still waiting for those nonces (the node lost its pool, a dev chain was reset) would leave
every later transaction stuck behind a gap, so it falls back to the chain's pending nonce.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from chainless.chain.relay.relayers import repository
from chainless.chain.relay.rpc import ChainRpc, quantity


def pending_nonce(rpc: ChainRpc, address: str) -> int:
    """``eth_getTransactionCount(address, "pending")``: mined plus queued in the node's pool."""
    return quantity(rpc.call("eth_getTransactionCount", [address, "pending"])) or 0


def allocate(session: Session, rpc: ChainRpc, chain_id: int, address: str) -> int:
    """The account's next nonce; the caller stores the transaction using it before committing."""
    row = repository.locked_nonce_row(session, chain_id, address)
    nonce = max(int(row.next_nonce), pending_nonce(rpc, address))
    row.next_nonce = nonce + 1
    session.flush()
    return nonce


def resync(session: Session, rpc: ChainRpc, chain_id: int, address: str) -> int:
    """Move the account's next nonce back to the chain's pending nonce when no transaction of
    ours holds a nonce in between; answers the next nonce."""
    row = repository.locked_nonce_row(session, chain_id, address)
    pending = pending_nonce(rpc, address)
    if pending != row.next_nonce:
        waiting = repository.in_flight_from(session, chain_id, address, pending)
        if pending > row.next_nonce or not waiting:
            row.next_nonce = pending
            session.flush()
    return int(row.next_nonce)
