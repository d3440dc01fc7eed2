"""Pydantic I/O of the relay. EVM quantities are decimal strings: they exceed JSON's safe
integers (wei amounts, EIP-1559 fees)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from chainless.chain.models import RelayAttempt, RelayedTransaction
from chainless.chain.txcodec import MAX_RAW_BYTES
from chainless.platform.core.bounded import Uint256Text

RawHex = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, pattern=r"^0x([0-9a-fA-F]{2})+$", max_length=2 + 2 * MAX_RAW_BYTES
    ),
]
Quantity = Uint256Text
EventType = Literal[  # webhooks.EVENT_TYPES
    "transaction.submitted",
    "transaction.stuck",
    "transaction.mined",
    "transaction.confirmed",
    "transaction.failed",
    "transaction.replaced",
    "transaction.dropped",
]


class SubmitIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    raw_transaction: RawHex = Field(
        description="the signed transaction, 0x-hex (legacy EIP-155, EIP-2930 or EIP-1559)"
    )


class ForwardRequestIn(BaseModel):
    """An ERC-2771 ``ForwardRequest`` as the user signed it (EIP-712, see
    ``chainless.chain.contracts.forwarder``); quantities as decimal strings."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    from_: str = Field(alias="from", max_length=42)
    to: str = Field(max_length=42)
    value: Quantity = "0"
    gas: Quantity
    nonce: Quantity
    deadline: Quantity = Field(description="unix seconds (uint48)")
    data: Annotated[
        str, StringConstraints(strip_whitespace=True, pattern=r"^0x([0-9a-fA-F]{2})*$")
    ] = "0x"


class SponsoredIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    request: ForwardRequestIn
    signature: Annotated[
        str, StringConstraints(strip_whitespace=True, pattern=r"^0x([0-9a-fA-F]{2}){64,65}$")
    ] = Field(description="the user's EIP-712 signature of the request, 0x-hex")


class AttemptOut(BaseModel):
    """One signed transaction sent for the record's nonce."""

    hash: str
    max_fee_per_gas: Quantity
    max_priority_fee_per_gas: Quantity | None
    sent_at: datetime | None


class TransactionOut(BaseModel):
    hash: str = Field(
        description="the attempt sent last, or the one mined (see `attempts`); any attempt's "
        "hash finds the record"
    )
    kind: str = Field(default="user", description="user, or sponsored (ERC-2771, app pays gas)")
    relayer: str | None = Field(default=None, description="sponsored: the relayer that sends it")
    state: str = Field(
        description="received, submitted, stuck, mined, confirmed, failed, replaced or dropped"
    )
    app_id: str
    environment: str
    chain_id: int
    sender: str
    to: str | None
    nonce: Quantity
    value: Quantity
    gas_limit: Quantity
    max_fee_per_gas: Quantity
    max_priority_fee_per_gas: Quantity | None
    block_number: int | None
    block_hash: str | None
    confirmations: int
    required_confirmations: int
    receipt_status: int | None = Field(description="EIP-658: 1 success, 0 reverted")
    gas_used: Quantity | None
    effective_gas_price: Quantity | None
    error_code: str | None
    error: str | None
    created_at: datetime
    submitted_at: datetime | None
    mined_at: datetime | None
    finished_at: datetime | None
    attempts: list[AttemptOut] = Field(
        default_factory=list,
        description="every transaction sent for this nonce, oldest first: the original, then "
        "each fee-bumped replacement of a stuck sponsored transaction",
    )


def _text(value: int | None) -> str | None:
    return None if value is None else str(value)


def attempts_out(tx: RelayedTransaction, attempts: Sequence[RelayAttempt] = ()) -> list[AttemptOut]:
    """The stored attempts; a transaction never replaced is its own single attempt."""
    if not attempts:
        return [
            AttemptOut(
                hash=tx.hash,
                max_fee_per_gas=str(tx.max_fee_per_gas),
                max_priority_fee_per_gas=_text(tx.max_priority_fee_per_gas),
                sent_at=tx.submitted_at,
            )
        ]
    return [
        AttemptOut(
            hash=a.hash,
            max_fee_per_gas=str(a.max_fee_per_gas),
            max_priority_fee_per_gas=_text(a.max_priority_fee_per_gas),
            sent_at=a.created_at,
        )
        for a in attempts
    ]


def transaction_out(
    tx: RelayedTransaction, required_confirmations: int, attempts: Sequence[RelayAttempt] = ()
) -> TransactionOut:
    return TransactionOut(
        hash=tx.hash,
        kind=tx.kind,
        relayer=tx.relayer,
        state=tx.state,
        app_id=tx.app_id,
        environment=tx.environment,
        chain_id=tx.chain_id,
        sender=tx.sender,
        to=tx.to_address,
        nonce=str(tx.nonce),
        value=str(tx.value),
        gas_limit=str(tx.gas_limit),
        max_fee_per_gas=str(tx.max_fee_per_gas),
        max_priority_fee_per_gas=_text(tx.max_priority_fee_per_gas),
        block_number=tx.block_number,
        block_hash=tx.block_hash,
        confirmations=tx.confirmations,
        required_confirmations=required_confirmations,
        receipt_status=tx.receipt_status,
        gas_used=_text(tx.gas_used),
        effective_gas_price=_text(tx.effective_gas_price),
        error_code=tx.error_code,
        error=tx.error,
        created_at=tx.created_at,
        submitted_at=tx.submitted_at,
        mined_at=tx.mined_at,
        finished_at=tx.finished_at,
        attempts=attempts_out(tx, attempts),
    )


class PolicyIn(BaseModel):
    """An app's relay limits (spec 3.2.1); amounts in wei as decimal strings."""

    model_config = ConfigDict(extra="forbid")

    max_value_wei: Quantity
    max_gas_limit: Annotated[int, Field(ge=21_000, le=30_000_000)]
    max_fee_per_gas_wei: Quantity
    user_daily_tx_limit: Annotated[int, Field(ge=0, le=1_000_000)]
    user_daily_value_wei: Quantity
    app_daily_tx_limit: Annotated[int, Field(ge=0, le=100_000_000)]
    app_daily_value_wei: Quantity
    user_burst_per_minute: Annotated[int, Field(ge=1, le=1_000_000)] = 20
    app_burst_per_minute: Annotated[int, Field(ge=1, le=10_000_000)] = 1_000


class PolicyOut(PolicyIn):
    custom: bool = Field(description="false: the platform defaults apply")


class WebhookIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: Annotated[str, StringConstraints(strip_whitespace=True, max_length=512)]
    events: list[EventType] | None = Field(
        default=None, min_length=1, description="the event types to send; all of them when unset"
    )
    enabled: bool = True


class WebhookOut(BaseModel):
    url: str
    events: list[EventType] = Field(description="the event types it receives")
    enabled: bool
    created_at: datetime
    updated_at: datetime | None = None


class WebhookCreated(WebhookOut):
    secret: str = Field(description="HMAC-SHA256 key for the signatures; shown once")
