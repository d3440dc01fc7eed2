"""The developer's view of an app's relay (the console): its transactions with their receipts, its
gas budget and what it spent, and its webhook endpoint's delivery log. Reading needs
``app:read`` on the app; an app the caller may not see is ``404 app_not_found``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.orm import Session

from chainless.chain.models import RelayedTransaction, TxKind, WebhookDelivery
from chainless.chain.relay import console_repository as rows
from chainless.chain.relay import repository
from chainless.chain.relay.console_repository import Position
from chainless.chain.relay.console_schemas import (
    DeliveryPage,
    ReceiptLog,
    ReceiptOut,
    RelayedTransactionItem,
    RelayUsageOut,
    TodayUsage,
    TransactionDetail,
    TransactionPage,
    WebhookDeliveryOut,
)
from chainless.chain.relay.rpc import RpcError, RpcUnavailable, chain_config, quantity, rpc_for
from chainless.chain.relay.rules import effective_policy
from chainless.chain.relay.schemas import transaction_out
from chainless.platform.apps.access import app_for
from chainless.platform.apps.relay_view import relay_payment
from chainless.platform.auth.principal import Principal
from chainless.platform.core.clock import utcnow
from chainless.platform.core.errors import NotFound
from chainless.platform.core.permissions import Permission
from chainless.platform.core.services import Services

RECEIPT_TIMEOUT_SECONDS = 2.0  # the detail page waits this long at most for the node's logs


def _text(value: int | None) -> str | None:
    return None if value is None else str(value)


def fee_of(tx: RelayedTransaction) -> int | None:
    if tx.gas_used is None or tx.effective_gas_price is None:
        return None
    return tx.gas_used * tx.effective_gas_price


def item_of(tx: RelayedTransaction) -> RelayedTransactionItem:
    return RelayedTransactionItem(
        hash=tx.hash,
        state=tx.state,
        kind=tx.kind,
        sponsored=tx.kind == TxKind.SPONSORED,
        environment=tx.environment,
        chain_id=tx.chain_id,
        sender=tx.sender,
        to=tx.to_address,
        value=str(tx.value),
        gas_limit=str(tx.gas_limit),
        gas_used=_text(tx.gas_used),
        effective_gas_price=_text(tx.effective_gas_price),
        fee_wei=_text(fee_of(tx)),
        block_number=tx.block_number,
        receipt_status=tx.receipt_status,
        error_code=tx.error_code,
        error=tx.error,
        created_at=tx.created_at,
        finished_at=tx.finished_at,
    )


def list_transactions(
    session: Session,
    principal: Principal,
    app_id: str,
    *,
    state: str | None,
    environment: str | None,
    cursor: str | None,
    limit: int,
) -> TransactionPage:
    after = Position.decode(cursor) if cursor is not None else None
    app = app_for(session, principal, app_id, Permission.APP_READ)
    found, next_cursor = rows.transactions(
        session, app.app_id, state=state, environment=environment, after=after, limit=limit
    )
    return TransactionPage(items=[item_of(tx) for tx in found], next_cursor=next_cursor)


def transaction_detail(
    services: Services, session: Session, principal: Principal, app_id: str, tx_hash: str
) -> TransactionDetail:
    """The record as the status endpoint answers it, its receipt with the logs the node holds
    (asked now: the relay stores no logs), and its webhook events."""
    app = app_for(session, principal, app_id, Permission.APP_READ)
    tx = repository.of_app(session, app.app_id, tx_hash.lower())
    if tx is None:
        raise NotFound(f"no transaction {tx_hash} of this app", code="transaction_not_found")
    required = chain_config(services, tx.environment).confirmations
    out = transaction_out(tx, required, repository.attempts_of(session, tx))
    events, _ = rows.deliveries(session, app.app_id, transaction_id=tx.id, limit=50)
    hashes = {tx.id: tx.hash}
    return TransactionDetail(
        **out.model_dump(),
        sponsored=tx.kind == TxKind.SPONSORED,
        fee_wei=_text(fee_of(tx)),
        receipt=_receipt(services, tx),
        deliveries=[
            delivery_out(d, hashes) for d in sorted(events, key=lambda d: -d.version)
        ],  # one pass can make two events at the same moment: the state order decides
    )


def _receipt(services: Services, tx: RelayedTransaction) -> ReceiptOut | None:
    if tx.block_hash is None and tx.receipt_status is None:
        return None
    logs: list[ReceiptLog] | None = None
    logs_error: str | None = None
    try:
        answer = rpc_for(services, tx.environment).call(
            "eth_getTransactionReceipt", [tx.hash], timeout=RECEIPT_TIMEOUT_SECONDS
        )
    except (RpcUnavailable, RpcError):
        logs_error = "rpc_unavailable"
    else:
        if isinstance(answer, dict) and answer.get("blockHash") == tx.block_hash:
            logs = [_log(entry) for entry in answer.get("logs") or []]
        else:
            logs_error = "receipt_not_found"
    return ReceiptOut(
        status=tx.receipt_status,
        block_number=tx.block_number,
        block_hash=tx.block_hash,
        transaction_index=tx.transaction_index,
        gas_used=_text(tx.gas_used),
        effective_gas_price=_text(tx.effective_gas_price),
        fee_wei=_text(fee_of(tx)),
        logs=logs,
        logs_error=logs_error,
    )


def _log(entry: dict[str, Any]) -> ReceiptLog:
    return ReceiptLog(
        address=str(entry.get("address", "")),
        topics=[str(t) for t in entry.get("topics") or []],
        data=str(entry.get("data", "0x")),
        log_index=quantity(entry.get("logIndex")),
    )


def delivery_status(delivery: WebhookDelivery) -> str:
    if delivery.delivered_at is not None:
        return "delivered"
    if delivery.abandoned_at is not None:
        return "abandoned"
    return "retrying" if delivery.attempts > 0 else "pending"


def delivery_out(delivery: WebhookDelivery, hashes: dict[str, str]) -> WebhookDeliveryOut:
    return WebhookDeliveryOut(
        id=delivery.id,
        event_type=delivery.event_type,
        transaction_hash=hashes.get(delivery.transaction_id),
        status=delivery_status(delivery),
        status_code=delivery.last_status,
        attempts=delivery.attempts,
        last_error=delivery.last_error,
        next_attempt_at=delivery.next_attempt_at,
        created_at=delivery.created_at,
        delivered_at=delivery.delivered_at,
        abandoned_at=delivery.abandoned_at,
    )


def list_deliveries(
    session: Session, principal: Principal, app_id: str, *, cursor: str | None, limit: int
) -> DeliveryPage:
    after = Position.decode(cursor) if cursor is not None else None
    app = app_for(session, principal, app_id, Permission.APP_READ)
    found, next_cursor = rows.deliveries(session, app.app_id, after=after, limit=limit)
    hashes = rows.hashes_of(session, {d.transaction_id for d in found})
    return DeliveryPage(items=_out(found, hashes), next_cursor=next_cursor)


def _out(found: Sequence[WebhookDelivery], hashes: dict[str, str]) -> list[WebhookDeliveryOut]:
    return [delivery_out(d, hashes) for d in found]


def usage(services: Services, session: Session, principal: Principal, app_id: str) -> RelayUsageOut:
    """The gas budget against what was spent and what the transactions in flight may still
    cost, and the UTC day's count and value against the relay policy's daily limits."""
    app = app_for(session, principal, app_id, Permission.APP_READ)
    payment = relay_payment(session, app.app_id)
    enabled, budget, spent = (
        (payment.enabled, payment.budget_wei, payment.spent_wei) if payment else (False, 0, 0)
    )
    reserved = repository.sponsored_in_flight_cost(session, app.app_id)
    policy = effective_policy(repository.policy_of(session, app.app_id), services.settings.relay)
    day_start = repository.day_start_of(utcnow())
    count, value = rows.app_usage_of_day(session, app.app_id, day_start)
    return RelayUsageOut(
        payment_service=enabled,
        gas_budget_wei=str(budget),
        gas_spent_wei=str(spent),
        gas_reserved_wei=str(reserved),
        gas_available_wei=str(max(0, budget - spent - reserved)),
        today=TodayUsage(
            day=day_start.date(),
            tx_count=count,
            tx_limit=policy.app_daily_tx_limit,
            value_wei=str(value),
            value_limit_wei=str(policy.app_daily_value_wei),
            sponsored_fee_wei=str(rows.sponsored_fees_since(session, app.app_id, day_start)),
        ),
    )
