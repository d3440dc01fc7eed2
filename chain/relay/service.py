"""Use cases of the relay: submit a user-signed transaction, read its status (spec 3.5.5).

Submitting decodes and checks the transaction (``policy``), stores it as received and enqueues
its broadcast, which is sent after the request's commit. The same transaction submitted again
answers the stored record and is broadcast once.
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from contextvars import copy_context
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from chainless.chain.models import RelayedTransaction, TxKind, TxState
from chainless.chain.relay import policy, repository
from chainless.chain.relay.auth import RelayCaller
from chainless.chain.relay.block_gas import block_gas_limit
from chainless.chain.relay.rpc import RpcError, RpcUnavailable, quantity, rpc_for
from chainless.chain.relay.rules import PolicyValues
from chainless.chain.relay.rules_cache import app_rules
from chainless.chain.txcodec import DecodedTransaction, TxDecodeError, decode
from chainless.platform.alerts.service import Level, raise_alert
from chainless.platform.core.clock import utcnow
from chainless.platform.core.errors import AppError, Conflict, NotFound
from chainless.platform.core.jobs import enqueue
from chainless.platform.core.security import new_hex_id
from chainless.platform.core.services import Services

BROADCAST = "relay.broadcast"
FIRST_TRACK_DELAY = timedelta(seconds=60)  # the tracker re-sends a broadcast lost by then
NONCE_CHECK_TIMEOUT = 1.0  # seconds per RPC URL: the request must answer well within 3 s
_NONCE_LOOKUPS = ThreadPoolExecutor(max_workers=8, thread_name_prefix="relay-nonce")


class RelayRejected(AppError):
    """A transaction the relay refuses; ``code`` names the rule it breaks."""

    title = "Transaction refused"


@dataclass(frozen=True)
class Submitted:
    transaction: RelayedTransaction
    created: bool


def submit(services: Services, session: Session, caller: RelayCaller, raw: str) -> Submitted:
    """Check, store and enqueue; the rules are checked in the order ``policy`` lists them.

    The nonce lookup (an RPC) runs while the database work does; its refusal still comes last.
    The transaction is stored (``ON CONFLICT`` on its hash: a known one answers its stored
    record) and added to the day's usage rows, which lock and check the daily limits
    atomically (one statement on PostgreSQL); any refusal rolls both back with the request."""
    tx = _decoded(raw)
    found = app_rules(services, session, caller.app_id, caller.environment)
    if found is None:
        raise NotFound(f"no app {caller.app_id!r}", code="app_not_found")
    block_limit = block_gas_limit(services, caller.environment)  # cached: no RPC per request
    _refuse(policy.check_transaction(tx, found.rules, caller.wallet, block_limit))
    nonce_check = _start_nonce_check(services, caller.environment, tx)

    now = utcnow()
    values = _row(caller, tx, now)
    added = repository.store_and_count(session, values, now)
    if added is None:
        existing = repository.by_hash(session, tx.hash)
        assert existing is not None
        return Submitted(_same_app(existing, caller), created=False)
    _refuse(policy.check_usage(tx, found.rules.limits, _before(added.today, tx)))
    _watch_bursts(session, caller, tx, added.user_minute, added.app_minute, found.values)
    _refuse(nonce_check.result())
    enqueue(session, BROADCAST, transaction_id=values["id"])
    return Submitted(RelayedTransaction(**values), created=True)


def _before(today: policy.Usage, tx: DecodedTransaction) -> policy.Usage:
    """The day's usage without ``tx``: the limits are checked on what the rows held before it.
    The rows stay locked until the request commits, so two requests racing for the last place
    queue on them; a refusal rolls the rows and the stored transaction back with the request."""
    return policy.Usage(
        today.user_tx - 1,
        today.user_value_wei - tx.value,
        today.app_tx - 1,
        today.app_value_wei - tx.value,
    )


def _decoded(raw: str) -> DecodedTransaction:
    try:
        return decode(raw)
    except TxDecodeError as error:
        raise RelayRejected(
            str(error),
            code=policy.RejectionCode.INVALID_RAW_TRANSACTION,
            status=422,
            decode_error=error.code,
            field=error.field,
        ) from error


def _refuse(rejection: policy.Rejection | None) -> None:
    if rejection is not None:
        raise RelayRejected(
            rejection.detail,
            code=rejection.code.value,
            status=rejection.status,
            field=rejection.field,
        )


def _same_app(existing: RelayedTransaction, caller: RelayCaller) -> RelayedTransaction:
    if existing.app_id != caller.app_id:
        raise Conflict(
            "this transaction was already submitted through another app",
            code="transaction_known",
        )
    return existing


def _start_nonce_check(
    services: Services, environment: str, tx: DecodedTransaction
) -> Future[policy.Rejection | None]:
    """Look the sender's nonce up on a thread of its own while the request works the database."""
    return _NONCE_LOOKUPS.submit(copy_context().run, _check_nonce, services, environment, tx)


def _check_nonce(
    services: Services, environment: str, tx: DecodedTransaction
) -> policy.Rejection | None:
    """Against the sender's mined count; with no node answering, the broadcast finds out."""
    try:
        rpc = rpc_for(services, environment)
        count = quantity(
            rpc.call("eth_getTransactionCount", [tx.sender, "latest"], timeout=NONCE_CHECK_TIMEOUT)
        )
    except (RpcUnavailable, RpcError):
        return None
    return None if count is None else policy.check_nonce(tx, count)


def _watch_bursts(
    session: Session,
    caller: RelayCaller,
    tx: DecodedTransaction,
    user_minute: float,
    app_minute: float,
    values: PolicyValues,
) -> None:
    """Spec 3.2.1 anomaly detection: a burst raises an alert; it does not refuse. The counts
    are the last minute's as ``minute_window`` estimates them."""
    user_limit = values.user_burst_per_minute
    app_limit = values.app_burst_per_minute
    if user_minute > user_limit:
        per_minute = round(user_minute)
        raise_alert(
            session,
            kind="relay.user_burst",
            subject=tx.sender,
            summary=f"about {per_minute} transactions in a minute from {tx.sender}",
            app_id=caller.app_id,
            details={"per_minute": per_minute, "threshold": user_limit},
        )
    if app_minute > app_limit:
        per_minute = round(app_minute)
        raise_alert(
            session,
            kind="relay.app_burst",
            subject=caller.app_id,
            summary=f"about {per_minute} transactions in a minute through app {caller.app_id}",
            level=Level.SEVERE,
            app_id=caller.app_id,
            details={"per_minute": per_minute, "threshold": app_limit},
        )


def _row(caller: RelayCaller, tx: DecodedTransaction, now: datetime) -> dict[str, Any]:
    """The stored transaction's columns, defaults included (the answer is built from them)."""
    return {
        "id": new_hex_id(),
        "hash": tx.hash,
        "kind": TxKind.USER,
        "app_id": caller.app_id,
        "api_key_id": caller.api_key_id,
        "user_id": caller.user_id,
        "environment": caller.environment,
        "chain_id": tx.chain_id,
        "sender": tx.sender,
        "relayer": None,
        "to_address": tx.to,
        "selector": tx.selector,
        "tx_type": int(tx.type),
        "nonce": tx.nonce,
        "value": tx.value,
        "gas_limit": tx.gas_limit,
        "max_fee_per_gas": tx.max_fee,
        "max_priority_fee_per_gas": tx.max_priority_fee_per_gas,
        "raw": tx.raw,
        "state": TxState.RECEIVED,
        "version": 0,
        "broadcast_attempts": 0,
        "broadcast_count": 0,
        "confirmations": 0,
        "next_check_at": now + FIRST_TRACK_DELAY,
        "created_at": now,
        "updated_at": now,
    }


def status(session: Session, caller_app_id: str, tx_hash: str) -> RelayedTransaction:
    found = repository.of_app(session, caller_app_id, tx_hash.lower())
    if found is None:
        raise NotFound(f"no transaction {tx_hash} of this app", code="transaction_not_found")
    return found
