"""Pydantic I/O of the developer's view of the relay (the console): an app's relayed transactions,
its gas budget and spend, its webhook endpoint and the endpoint's delivery log. Quantities are
decimal strings, as in :mod:`chainless.chain.relay.schemas`."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from chainless.chain.relay.schemas import EventType, Quantity, TransactionOut

DeliveryStatus = Literal["pending", "retrying", "delivered", "abandoned"]


class RelayedTransactionItem(BaseModel):
    """One row of an app's transaction list."""

    hash: str
    state: str = Field(
        description="received, submitted, stuck, mined, confirmed, failed, replaced or dropped"
    )
    kind: str = Field(description="user, or sponsored (ERC-2771, the app's budget pays gas)")
    sponsored: bool
    environment: str
    chain_id: int
    sender: str = Field(description="the user's wallet (`from`)")
    to: str | None
    value: Quantity
    gas_limit: Quantity
    gas_used: Quantity | None
    effective_gas_price: Quantity | None
    fee_wei: Quantity | None = Field(description="gas_used * effective_gas_price, once mined")
    block_number: int | None
    receipt_status: int | None = Field(description="EIP-658: 1 success, 0 reverted")
    error_code: str | None
    error: str | None
    created_at: datetime
    finished_at: datetime | None


class TransactionPage(BaseModel):
    items: list[RelayedTransactionItem]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next (older) page")


class ReceiptLog(BaseModel):
    """One log of the receipt as the node answers it (Ethereum JSON-RPC ``Log`` object)."""

    address: str
    topics: list[str]
    data: str
    log_index: int | None


class ReceiptOut(BaseModel):
    """What the chain recorded for the mined attempt (JSON-RPC ``eth_getTransactionReceipt``)."""

    status: int | None = Field(description="EIP-658: 1 success, 0 reverted")
    block_number: int | None
    block_hash: str | None
    transaction_index: int | None
    gas_used: Quantity | None
    effective_gas_price: Quantity | None
    fee_wei: Quantity | None
    logs: list[ReceiptLog] | None = Field(
        description="the receipt's logs as the node answers them now; null when it did not"
    )
    logs_error: str | None = Field(
        default=None, description="why the logs are missing: rpc_unavailable or receipt_not_found"
    )


class WebhookDeliveryOut(BaseModel):
    """One event of the endpoint's delivery log; ``id`` is the event id receivers see."""

    id: str
    event_type: str
    transaction_hash: str | None
    status: DeliveryStatus
    status_code: int | None = Field(description="the HTTP status of the last try, if it answered")
    attempts: int
    last_error: str | None
    next_attempt_at: datetime | None = Field(description="a failed one: when it is tried next")
    created_at: datetime
    delivered_at: datetime | None
    abandoned_at: datetime | None


class DeliveryPage(BaseModel):
    items: list[WebhookDeliveryOut]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next (older) page")


class TransactionDetail(TransactionOut):
    sponsored: bool
    fee_wei: Quantity | None
    receipt: ReceiptOut | None = Field(description="null until a receipt exists")
    deliveries: list[WebhookDeliveryOut] = Field(
        default_factory=list, description="this transaction's webhook events, newest first"
    )


class TodayUsage(BaseModel):
    """The app's relayed transactions of the UTC day against its relay policy's daily limits."""

    day: date
    tx_count: int
    tx_limit: int
    value_wei: Quantity
    value_limit_wei: Quantity
    sponsored_fee_wei: Quantity = Field(description="what sponsored transactions final today cost")


class RelayUsageOut(BaseModel):
    """The gas budget (spec appendix: who pays gas) and the spend of the app so far."""

    payment_service: bool
    gas_budget_wei: Quantity
    gas_spent_wei: Quantity
    gas_reserved_wei: Quantity = Field(
        description="the worst case of sponsored transactions in flight, not charged yet"
    )
    gas_available_wei: Quantity = Field(description="budget - spent - reserved, at least 0")
    today: TodayUsage


Url = Annotated[str, StringConstraints(strip_whitespace=True, max_length=512)]


class WebhookPatch(BaseModel):
    """Change the endpoint without a new secret: what is left out stays as it is."""

    model_config = ConfigDict(extra="forbid")

    url: Url | None = None
    events: list[EventType] | None = Field(
        default=None, min_length=1, description="the event types to send; all of them when unset"
    )
    enabled: bool | None = None


class WebhookSecret(BaseModel):
    secret: str = Field(description="the new HMAC-SHA256 key; shown once, the old one stops now")
    rotated_at: datetime
