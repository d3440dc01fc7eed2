"""State changes of a relayed transaction, each one an event for the app's webhook.

Every change bumps the transaction's ``version``; an event is stored once per (transaction,
version) in the same transaction as the change, and its delivery job is sent after the commit —
so an event is never lost with a crash, and never made twice.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from chainless.chain.models import RelayedTransaction, TxState, WebhookDelivery
from chainless.chain.models.relay import FINAL_STATES
from chainless.chain.relay import repository, webhooks
from chainless.chain.relay.schemas import transaction_out
from chainless.platform.core.jobs import enqueue
from chainless.platform.core.security import new_hex_id

DELIVER_WEBHOOK = "relay.deliver_webhook"


def transition(
    session: Session,
    tx: RelayedTransaction,
    state: TxState,
    *,
    now: datetime,
    required_confirmations: int,
    error_code: str | None = None,
    error: str | None = None,
) -> None:
    tx.state = state
    tx.version += 1
    tx.error_code = error_code
    tx.error = None if error is None else error[:512]
    if state in FINAL_STATES:
        tx.finished_at = now
        tx.next_check_at = None
    _record_event(session, tx, now, required_confirmations)


def _record_event(
    session: Session, tx: RelayedTransaction, now: datetime, required_confirmations: int
) -> None:
    endpoint = repository.webhook_endpoint(session, tx.app_id)
    event_type = f"transaction.{tx.state}"
    if endpoint is None or not webhooks.receives(endpoint, event_type):
        return
    event_id = new_hex_id()
    attempts = repository.attempts_of(session, tx)
    data = transaction_out(tx, required_confirmations, attempts).model_dump(mode="json")
    session.add(
        WebhookDelivery(
            id=event_id,
            app_id=tx.app_id,
            transaction_id=tx.id,
            version=tx.version,
            event_type=event_type,
            payload={
                "id": event_id,
                "type": event_type,
                "created_at": now.isoformat(),
                "data": data,
            },
            created_at=now,
        )
    )
    enqueue(session, DELIVER_WEBHOOK, delivery_id=event_id)
