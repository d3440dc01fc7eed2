"""Transactions pending too long (``stuck_after_seconds``), seen by the tracker while the node
still holds them in its pool.

- Sponsored (the platform's relayer signed it): re-signed at the same nonce with both EIP-1559
  fees at least 10% higher (``fees.bumped``: what geth and anvil require to replace a pending
  transaction), stored as a new attempt and sent by the ``relay.send_replacement`` job after the
  commit, so a hash is never on the network without being on record. Whichever attempt the
  chain mines becomes the transaction's hash (the tracker asks for every attempt's receipt). The
  higher worst case (gas limit * max fee) must fit the app's gas budget like a new sponsored
  request. A bump the chain's fee cap forbids (``replacement_fee_capped``, alert
  ``relay.replacement_fee_capped``) or the budget does not cover
  (``replacement_budget_exhausted``), or whose key is gone, moves the transaction to ``stuck``
  (a webhook event, once, as on the user-signed path) and raises an alert; it is tried again
  only after another interval.
- User-signed: the relay cannot sign for the user, so the transaction moves to ``stuck`` (a
  webhook event): the app can ask its user to sign a replacement (same nonce, higher fees).

A bump waits a full interval after the last one (``last_bump_at``), so a tracking pass run
again at once, or by a second tracker, does not bump twice.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from chainless.chain.models import RelayAttempt, RelayedTransaction, TxKind, TxState
from chainless.chain.relay import events, repository
from chainless.chain.relay.relayers.fees import FeeAboveCap, Fees, bumped
from chainless.chain.relay.relayers.keys import key_for
from chainless.chain.relay.relayers.signing import check_balance, sign_with
from chainless.chain.relay.rpc import ChainRpc, chain_config
from chainless.chain.relay.sponsored_repository import in_flight
from chainless.chain.txcodec import decode
from chainless.platform.alerts.service import Level, raise_alert
from chainless.platform.apps.relay_view import relay_payment
from chainless.platform.core.clock import as_utc
from chainless.platform.core.jobs import enqueue
from chainless.platform.core.security import new_hex_id
from chainless.platform.core.services import Services

SEND_REPLACEMENT = "relay.send_replacement"
CAPPED_ALERT = "relay.replacement_fee_capped"


def pending_too_long(services: Services, tx: RelayedTransaction, now: datetime) -> bool:
    since = as_utc(tx.submitted_at or tx.created_at)
    if tx.last_bump_at is not None:
        since = max(since, as_utc(tx.last_bump_at))
    return now - since >= timedelta(seconds=services.settings.relay.stuck_after_seconds)


def handle_pending(
    services: Services,
    session: Session,
    rpc: ChainRpc,
    tx: RelayedTransaction,
    now: datetime,
    required_confirmations: int,
) -> None:
    """``tx`` is in the node's pool and not mined: bump it or report it once it is stuck."""
    if not pending_too_long(services, tx, now):
        return
    if tx.kind == TxKind.SPONSORED:
        bump(services, session, rpc, tx, now, required_confirmations)
    elif tx.state == TxState.SUBMITTED:
        waited = int((now - as_utc(tx.submitted_at or tx.created_at)).total_seconds())
        events.transition(
            session,
            tx,
            TxState.STUCK,
            now=now,
            required_confirmations=required_confirmations,
            error_code="stuck",
            error=f"pending for {waited} s; the user can sign a replacement "
            f"(nonce {tx.nonce}, both fees at least 10% higher)",
        )


def bump(
    services: Services,
    session: Session,
    rpc: ChainRpc,
    tx: RelayedTransaction,
    now: datetime,
    required_confirmations: int,
) -> RelayAttempt | None:
    """Re-sign ``tx`` at its nonce with bumped fees; the send job goes after the commit."""
    tx.last_bump_at = now
    config = chain_config(services, tx.environment)
    assert tx.relayer is not None
    blocked = _Blocked(session, tx, now, required_confirmations)
    key = key_for(services, tx.environment, tx.relayer)
    if key is None:
        blocked("replacement_key_missing", f"relayer {tx.relayer} is not configured")
        return None
    previous = Fees(tx.max_fee_per_gas, tx.max_priority_fee_per_gas or tx.max_fee_per_gas)
    try:
        fees = bumped(previous, rpc, config.fee_policy)
    except FeeAboveCap as error:
        blocked("replacement_fee_capped", f"cannot bump the fees: {error}")
        return None
    more = tx.gas_limit * (fees.max_fee_per_gas - tx.max_fee_per_gas)
    available = _budget_left(session, tx)
    if available < more:
        blocked(
            "replacement_budget_exhausted",
            f"the app's gas budget left ({max(available, 0)} wei) does not cover the bumped "
            f"fees (up to {more} wei more)",
        )
        return None
    call = decode("0x" + tx.raw.hex())
    assert call.to is not None
    check_balance(
        services, session, rpc, key.address, tx.chain_id, tx.gas_limit * fees.max_fee_per_gas
    )
    signed = sign_with(key, tx.chain_id, tx.nonce, call.to, call.data, tx.gas_limit, 0, fees)
    attempts = repository.attempts_of(session, tx)
    if not attempts:  # the original becomes attempt 0
        attempts.append(_attempt(tx, 0, now))
        session.add(attempts[0])
    tx.hash, tx.raw = signed.hash, signed.raw
    tx.max_fee_per_gas = fees.max_fee_per_gas
    tx.max_priority_fee_per_gas = fees.max_priority_fee_per_gas
    tx.error_code = tx.error = None
    attempt = _attempt(tx, attempts[-1].number + 1, now)
    session.add(attempt)
    session.flush()
    enqueue(session, SEND_REPLACEMENT, transaction_id=tx.id, tx_hash=signed.hash)
    return attempt


def adopt(tx: RelayedTransaction, attempt: RelayAttempt) -> None:
    """An earlier attempt is the one the chain has: it becomes the transaction's hash."""
    tx.hash, tx.raw = attempt.hash, attempt.raw
    tx.max_fee_per_gas = attempt.max_fee_per_gas
    tx.max_priority_fee_per_gas = attempt.max_priority_fee_per_gas


def _attempt(tx: RelayedTransaction, number: int, now: datetime) -> RelayAttempt:
    return RelayAttempt(
        id=new_hex_id(),
        transaction_id=tx.id,
        number=number,
        hash=tx.hash,
        max_fee_per_gas=tx.max_fee_per_gas,
        max_priority_fee_per_gas=tx.max_priority_fee_per_gas,
        raw=tx.raw,
        created_at=(tx.submitted_at or now) if number == 0 else now,
    )


def _budget_left(session: Session, tx: RelayedTransaction) -> int:
    """The app's budget left beyond the worst case of its sponsored transactions in flight
    (``tx`` at its current fees among them)."""
    payment = relay_payment(session, tx.app_id)
    if payment is None:
        return 0
    return (
        payment.remaining_wei - in_flight(session, tx.app_id, tx.chain_id, tx.sender).reserved_wei
    )


class _Blocked:
    """A bump that cannot be made: recorded on the transaction, reported to the app as
    ``stuck`` (a webhook event, once: only from ``submitted``) and to operations as an alert."""

    def __init__(
        self, session: Session, tx: RelayedTransaction, now: datetime, required: int
    ) -> None:
        self.session, self.tx, self.now, self.required = session, tx, now, required

    def __call__(self, code: str, detail: str) -> None:
        tx = self.tx
        if tx.state == TxState.SUBMITTED:
            events.transition(
                self.session,
                tx,
                TxState.STUCK,
                now=self.now,
                required_confirmations=self.required,
                error_code=code,
                error=detail,
            )
        else:
            tx.error_code, tx.error = code, detail[:512]
        raise_alert(
            self.session,
            kind=CAPPED_ALERT if code == "replacement_fee_capped" else "relay.replacement_blocked",
            subject=f"{tx.chain_id}:{tx.relayer}:{tx.nonce}",
            summary=f"sponsored transaction {tx.hash} is stuck: {detail}",
            level=Level.SEVERE,
            app_id=tx.app_id,
            details={"transaction": tx.hash, "nonce": str(tx.nonce), "reason": code},
        )
