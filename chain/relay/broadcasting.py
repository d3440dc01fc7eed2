"""Send an accepted transaction to its chain (``eth_sendRawTransaction``), exactly once.

The job may run more than once (a retry after the node was down, a worker killed after sending
but before its commit). So before sending, it asks the node whether it already knows the hash;
if so the transaction is marked submitted without a second send. A node that is down makes the
job retry with backoff (the attempt is recorded); the tracker re-sends jobs that were lost.
"""

from __future__ import annotations

import logging

from sqlalchemy.orm import Session

from chainless.chain.models import RelayedTransaction, TxState
from chainless.chain.models.relay import PENDING_STATES
from chainless.chain.relay import events
from chainless.chain.relay.rpc import ChainRpc, RpcError, RpcUnavailable, chain_config, rpc_for
from chainless.platform.apps.relay_view import is_delisted
from chainless.platform.core.clock import utcnow
from chainless.platform.core.jobs import RetryJob
from chainless.platform.core.services import Services

log = logging.getLogger("chainless.relay.broadcast")

# Node answers meaning "I have this one already" (geth, anvil, erigon, nethermind wordings).
_ALREADY_KNOWN = ("already known", "known transaction", "alreadyknown", "already imported")


def broadcast(services: Services, session: Session, tx: RelayedTransaction) -> None:
    if tx.state != TxState.RECEIVED:
        return  # sent already: a duplicate or late job
    required = chain_config(services, tx.environment).confirmations
    rpc = rpc_for(services, tx.environment)
    now = utcnow()
    if is_delisted(session, tx.app_id):  # delisted between acceptance and broadcast
        events.transition(
            session,
            tx,
            TxState.FAILED,
            now=now,
            required_confirmations=required,
            error_code="app_delisted",
            error="the app was delisted before the transaction was broadcast",
        )
        return
    tx.broadcast_attempts += 1
    try:
        if rpc.call("eth_getTransactionByHash", [tx.hash]) is None:
            send_raw(rpc, tx)
    except RpcUnavailable as error:
        tx.error_code, tx.error = "rpc_unavailable", str(error)[:512]
        tx.next_check_at = now
        raise RetryJob(f"no RPC node of {tx.environment} answered; will retry") from error
    except RpcError as error:
        if not _already_known(error):
            replaced = "nonce too low" in error.message.lower()  # the nonce went to another tx
            events.transition(
                session,
                tx,
                TxState.REPLACED if replaced else TxState.FAILED,
                now=now,
                required_confirmations=required,
                error_code="replaced" if replaced else "node_rejected",
                error=error.message,
            )
            return
    tx.submitted_at = now
    tx.next_check_at = now
    events.transition(session, tx, TxState.SUBMITTED, now=now, required_confirmations=required)


def send_replacement(services: Services, tx: RelayedTransaction, tx_hash: str) -> None:
    """Send the fee-bumped attempt ``tx_hash`` (see ``replacing``) while it is still the
    transaction's current one and nothing is mined; as idempotent as the first broadcast."""
    if tx.hash != tx_hash or tx.state not in PENDING_STATES:
        return  # mined meanwhile, or a later bump superseded it
    rpc = rpc_for(services, tx.environment)
    tx.broadcast_attempts += 1
    try:
        if rpc.call("eth_getTransactionByHash", [tx.hash]) is None:
            send_raw(rpc, tx)
    except RpcUnavailable as error:
        raise RetryJob(f"no RPC node of {tx.environment} answered; will retry") from error
    except RpcError as error:
        if not _already_known(error):  # "nonce too low": an earlier attempt was mined
            tx.error_code, tx.error = "replacement_rejected", error.message[:512]
            log.warning("replacement %s refused: %s", tx.hash, error.message)


def send_raw(rpc: ChainRpc, tx: RelayedTransaction) -> None:
    tx.broadcast_count += 1
    sent = rpc.call("eth_sendRawTransaction", ["0x" + tx.raw.hex()])
    if isinstance(sent, str) and sent.lower() != tx.hash.lower():
        log.warning("node answered hash %s for %s", sent, tx.hash)


def _already_known(error: RpcError) -> bool:
    message = error.message.lower()
    return any(words in message for words in _ALREADY_KNOWN)
