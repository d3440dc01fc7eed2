"""Nonces of the platform's relayer accounts (EIP-155 account nonces): gapless, never repeated.

Two requests or two worker processes may send from the same account at once; each takes its
nonce while holding the account's row lock (see ``repository``) and stores its transaction in the
same database transaction, so the next one sees it. The node's pending nonce is read under the
lock and wins when it is ahead (the key was used elsewhere, or the row is new: a fresh database).
``resync`` (every relayer key, each minute: job ``relay.resync_relayers``) handles the other
direction after a restart: a row ahead of the chain with nothing of
ours still waiting for those nonces (the node lost its pool, a dev chain was reset) would leave
every later transaction stuck behind a gap, so it falls back to the chain's pending nonce.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from chainless.chain.relay.relayers import repository
from chainless.chain.relay.relayers.keys import relayer_keys
from chainless.chain.relay.rpc import ChainRpc, RpcUnavailable, chain_config, quantity, rpc_for
from chainless.platform.core.services import Services


def pending_nonce(rpc: ChainRpc, address: str) -> int:
    """``eth_getTransactionCount(address, "pending")``: mined plus queued in the node's pool."""
    return quantity(rpc.call("eth_getTransactionCount", [address, "pending"])) or 0


def allocate(
    session: Session, rpc: ChainRpc, chain_id: int, address: str, *, pending: int | None = None
) -> int:
    """The account's next nonce; the caller stores the transaction using it before committing.

    ``pending`` is the node's pending nonce if the caller already read it (in its JSON-RPC
    batch, before the lock). That is as good as reading it under the lock: our transactions
    reach the node only after the commit that moved the row past their nonce, so an earlier
    read is never ahead of the row because of them, and a key used elsewhere shows either way
    (the row lock does not hold the node)."""
    if pending is None:
        pending = pending_nonce(rpc, address)
    return repository.take_nonce(session, chain_id, address, pending)


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


def resync_all(services: Services, session: Session) -> dict[str, int]:
    """``resync`` every relayer key of every chain environment (each chain and key once); a
    chain whose nodes do not answer is skipped until the next pass. Answers address -> next."""
    done: dict[tuple[int, str], int] = {}
    for environment in services.settings.chains:
        config = chain_config(services, environment.value)
        rpc = rpc_for(services, environment.value)
        for key in relayer_keys(services, environment.value):
            if (config.chain_id, key.address) in done:
                continue
            try:
                done[config.chain_id, key.address] = resync(
                    session, rpc, config.chain_id, key.address
                )
            except RpcUnavailable:
                break
    return {address: nonce for (_, address), nonce in done.items()}
