"""Follow relayed transactions to their end: receipts, confirmations, reverts, reorgs.

One pass (the periodic ``relay.track`` job) looks at every transaction due for a look:

- received for too long (its broadcast job was lost or gave up): the broadcast is sent again;
- a receipt is there: mined, with its block; once the chain's required confirmations are reached,
  confirmed, or failed when it reverted (EIP-658 ``status`` 0);
- mined but its receipt is gone or in another block (a reorg): back to submitted, or to the new
  block;
- no receipt but the node holds it: pending; past ``stuck_after_seconds`` a sponsored one is
  re-signed with bumped fees and a user-signed one reported stuck (``replacing``). The receipt
  of every attempt sent for the nonce is asked for: any of them may be the one mined;
- no receipt and the node does not know it: replaced if the sender's nonce moved past it (another
  transaction took it), else sent again (a restarted node forgets its mempool), and dropped once
  that has lasted ``drop_after_seconds``.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from chainless.chain.models import RelayedTransaction, TxKind, TxState
from chainless.chain.models.relay import PENDING_STATES
from chainless.chain.relay import events, replacing, repository
from chainless.chain.relay.broadcasting import send_raw
from chainless.chain.relay.rpc import (
    ChainRpc,
    RpcError,
    RpcUnavailable,
    chain_config,
    quantity,
    rpc_for,
)
from chainless.platform.apps.relay_view import charge_gas
from chainless.platform.core.clock import as_utc, utcnow
from chainless.platform.core.jobs import enqueue
from chainless.platform.core.services import Services

BROADCAST = "relay.broadcast"
BATCH = 200
RESEND_RECEIVED_AFTER = timedelta(seconds=30)


def track(services: Services, session: Session) -> int:
    """One pass; returns how many transactions were looked at."""
    now = utcnow()
    due = repository.due_for_tracking(session, now, BATCH)
    by_environment: dict[str, list[RelayedTransaction]] = defaultdict(list)
    for tx in due:
        by_environment[tx.environment].append(tx)
    for environment, transactions in by_environment.items():
        _track_environment(services, session, environment, transactions, now)
    return len(due)


def _track_environment(
    services: Services,
    session: Session,
    environment: str,
    transactions: list[RelayedTransaction],
    now: datetime,
) -> None:
    rpc = rpc_for(services, environment)
    config = chain_config(services, environment)
    every = timedelta(seconds=services.settings.relay.track_every_seconds)
    try:
        head = quantity(rpc.call("eth_blockNumber", []))
    except (RpcUnavailable, RpcError):
        for tx in transactions:  # try again next pass
            tx.next_check_at = now + every
        return
    assert head is not None
    tracker = _Tracker(services, session, rpc, head, max(config.confirmations, 1), now)
    try:
        tracker.prefetch([tx for tx in transactions if tx.state != TxState.RECEIVED])
    except RpcUnavailable:
        for tx in transactions:
            tx.next_check_at = now + every
        return
    except RpcError:
        pass  # a node that refuses batches: each transaction is asked about on its own
    for tx in transactions:
        tx.next_check_at = now + every
        try:
            tracker.look_at(tx)
        except (RpcUnavailable, RpcError):
            continue


class _Tracker:
    def __init__(
        self,
        services: Services,
        session: Session,
        rpc: ChainRpc,
        head: int,
        required: int,
        now: datetime,
    ) -> None:
        self.services = services
        self.session = session
        self.rpc = rpc
        self.head = head
        self.required = required
        self.now = now
        self._receipts: dict[str, Any] = {}  # hash -> receipt, None, or the node's RpcError
        self._in_pool: dict[str, Any] = {}  # hash -> the transaction, None, or an RpcError

    def prefetch(self, transactions: list[RelayedTransaction]) -> None:
        """The receipts of the pass's current hashes, then whether the node holds those with
        none, each in JSON-RPC batches: two round trips for the pass instead of one or two per
        transaction (a pass looks at up to ``BATCH``)."""
        hashes = [tx.hash for tx in transactions]
        self._receipts.update(_each(self.rpc, "eth_getTransactionReceipt", hashes))
        unmined = [h for h in hashes if _block_hash_of(self._receipts[h]) is None]
        self._in_pool.update(_each(self.rpc, "eth_getTransactionByHash", unmined))

    def move(self, tx: RelayedTransaction, state: TxState, **error: str) -> None:
        events.transition(
            self.session, tx, state, now=self.now, required_confirmations=self.required, **error
        )

    def look_at(self, tx: RelayedTransaction) -> None:
        if tx.state == TxState.RECEIVED:
            if as_utc(tx.created_at) <= self.now - RESEND_RECEIVED_AFTER:
                enqueue(self.session, BROADCAST, transaction_id=tx.id)
                tx.next_check_at = self.now + timedelta(minutes=1)
            return
        receipt = self._receipt_of_any_attempt(tx)
        if receipt is None:
            self._no_receipt(tx)
        else:
            self._receipt(tx, receipt)

    def _receipt_of_any_attempt(self, tx: RelayedTransaction) -> dict[str, Any] | None:
        """The receipt of the current hash, else of an earlier attempt (which then becomes the
        transaction's hash: a replacement may lose the race to the one it replaces)."""
        receipt = self._mined(tx.hash)
        if receipt is not None:
            return receipt
        for attempt in repository.attempts_of(self.session, tx):
            if attempt.hash != tx.hash:
                receipt = self._mined(attempt.hash)
                if receipt is not None:
                    replacing.adopt(tx, attempt)
                    return receipt
        return None

    def _mined(self, tx_hash: str) -> dict[str, Any] | None:
        if tx_hash in self._receipts:
            receipt = _answer(self._receipts.pop(tx_hash))
        else:
            receipt = self.rpc.call("eth_getTransactionReceipt", [tx_hash])
        if _block_hash_of(receipt) is None:
            return None
        return dict(receipt)

    def _pooled(self, tx_hash: str) -> bool:
        if tx_hash in self._in_pool:
            return _answer(self._in_pool.pop(tx_hash)) is not None
        return self.rpc.call("eth_getTransactionByHash", [tx_hash]) is not None

    def _receipt(self, tx: RelayedTransaction, receipt: dict[str, Any]) -> None:
        block = quantity(receipt["blockNumber"])
        assert block is not None
        moved = tx.state == TxState.MINED and tx.block_hash != receipt["blockHash"]
        tx.block_number = block
        tx.block_hash = str(receipt["blockHash"])
        tx.transaction_index = quantity(receipt.get("transactionIndex"))
        tx.gas_used = quantity(receipt.get("gasUsed"))
        tx.effective_gas_price = quantity(receipt.get("effectiveGasPrice"))
        tx.receipt_status = quantity(receipt.get("status"))
        # The head was read before the receipts: a block mined since is newer than it, and a
        # receipt proves its block exists (one confirmation), so the head is at least that block.
        self.head = max(self.head, block)
        tx.confirmations = self.head - block + 1
        if tx.state in PENDING_STATES or moved:
            tx.mined_at = self.now
            self.move(tx, TxState.MINED)
        if tx.confirmations >= self.required:
            if tx.receipt_status == 0:
                self.move(tx, TxState.FAILED, error_code="reverted", error="execution reverted")
            else:
                self.move(tx, TxState.CONFIRMED)
            if tx.kind == TxKind.SPONSORED:  # final: this branch runs once per transaction
                charge_gas(
                    self.session, tx.app_id, (tx.gas_used or 0) * (tx.effective_gas_price or 0)
                )

    def _no_receipt(self, tx: RelayedTransaction) -> None:
        if tx.state == TxState.MINED:  # its block left the canonical chain
            tx.block_number = tx.block_hash = tx.transaction_index = None
            tx.gas_used = tx.effective_gas_price = tx.receipt_status = None
            tx.confirmations = 0
            tx.mined_at = None
            self.move(
                tx, TxState.SUBMITTED, error_code="reorged", error="its block was reorged out"
            )
        if self._pooled(tx.hash):  # in the pool
            replacing.handle_pending(
                self.services, self.session, self.rpc, tx, self.now, self.required
            )
            return
        signer = tx.relayer or tx.sender  # a sponsored transaction uses its relayer's nonce
        mined_nonce = quantity(self.rpc.call("eth_getTransactionCount", [signer, "latest"]))
        if mined_nonce is not None and mined_nonce > tx.nonce:
            self.move(
                tx,
                TxState.REPLACED,
                error_code="replaced",
                error=f"another transaction of {signer} used nonce {tx.nonce}",
            )
            return
        since = as_utc(tx.submitted_at or tx.created_at)
        drop_after = timedelta(seconds=self.services.settings.relay.drop_after_seconds)
        if self.now - since >= drop_after:
            self.move(tx, TxState.DROPPED, error_code="dropped", error="the node forgot it")
            return
        try:
            send_raw(self.rpc, tx)  # the node lost it (a restart empties the mempool)
        except RpcError:
            return


BATCH_CALLS = 100  # calls per JSON-RPC batch: node providers cap batches (100-1,000)


def _each(rpc: ChainRpc, method: str, hashes: list[str]) -> dict[str, Any]:
    """``method`` of every hash, in batches; a call the node refused is kept as its error."""
    answers: dict[str, Any] = {}
    for start in range(0, len(hashes), BATCH_CALLS):
        chunk = hashes[start : start + BATCH_CALLS]
        results = rpc.batch([(method, [tx_hash]) for tx_hash in chunk])
        answers.update(zip(chunk, results, strict=True))
    return answers


def _answer(value: Any) -> Any:
    if isinstance(value, RpcError):
        raise value
    return value


def _block_hash_of(receipt: Any) -> Any:
    return receipt.get("blockHash") if isinstance(receipt, dict) else None
