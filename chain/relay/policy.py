"""The relay's rules as a pure module: no I/O, one precise rejection code per rule broken.

It runs on every broadcast after :func:`chainless.chain.txcodec.decode` (spec 3.3.2: broadcast in
under 3 s; benchmarked with decoding at thousands of transactions per second per core), so the
app's rules are prepared once into a :class:`RelayRules` and each check is a few comparisons.

Rules, in the order they are checked (spec 3.5.5 transaction flow, 3.2.1 transaction limits):

- the app is not delisted;
- the recovered sender is the wallet of the user's access token;
- the transaction is replay-protected for the app's environment chain (EIP-155 ``chain_id``);
- it is valid for any node of that chain (:func:`check_validity`): init code within EIP-3860's
  limit, a gas limit covering its intrinsic gas (and EIP-7623's calldata floor) and within the
  chain's block gas limit, and ``maxPriorityFeePerGas`` not above ``maxFeePerGas`` (EIP-1559);
- it calls a contract the app registered for that environment (no contract creation), with a
  method selector in that contract's allowlist (or in its ABI when the allowlist is empty);
- value, gas limit and fee per gas (EIP-1559 ``maxFeePerGas``, else ``gasPrice``) are within the
  app's per-transaction caps and the chain's fee policy;
- the user's and the app's daily count and value are not exceeded (:func:`check_usage`);
- the nonce is not below the chain's (:func:`check_nonce`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from chainless.chain.txcodec import (
    MAX_INITCODE_BYTES,
    DecodedTransaction,
    floor_gas,
    intrinsic_gas,
)


class RejectionCode(StrEnum):
    """Stable problem codes of the relay's refusals (never renamed once published)."""

    INVALID_RAW_TRANSACTION = "invalid_raw_transaction"
    APP_DELISTED = "app_delisted"
    SENDER_MISMATCH = "sender_mismatch"
    CHAIN_ID_MISSING = "chain_id_missing"
    CHAIN_ID_MISMATCH = "chain_id_mismatch"
    INITCODE_TOO_LARGE = "initcode_too_large"
    GAS_BELOW_INTRINSIC = "gas_below_intrinsic"
    GAS_ABOVE_BLOCK_LIMIT = "gas_above_block_limit"
    PRIORITY_FEE_ABOVE_MAX_FEE = "priority_fee_above_max_fee"
    CONTRACT_CREATION_NOT_ALLOWED = "contract_creation_not_allowed"
    CONTRACT_NOT_REGISTERED = "contract_not_registered"
    SELECTOR_NOT_ALLOWED = "selector_not_allowed"
    VALUE_CAP_EXCEEDED = "value_cap_exceeded"
    GAS_LIMIT_CAP_EXCEEDED = "gas_limit_cap_exceeded"
    MAX_FEE_CAP_EXCEEDED = "max_fee_cap_exceeded"
    PRIORITY_FEE_TOO_LOW = "priority_fee_too_low"
    USER_DAILY_COUNT_EXCEEDED = "user_daily_count_exceeded"
    USER_DAILY_VALUE_EXCEEDED = "user_daily_value_exceeded"
    APP_DAILY_COUNT_EXCEEDED = "app_daily_count_exceeded"
    APP_DAILY_VALUE_EXCEEDED = "app_daily_value_exceeded"
    NONCE_TOO_LOW = "nonce_too_low"


C = RejectionCode
_STATUS = {
    C.INVALID_RAW_TRANSACTION: 422,
    C.APP_DELISTED: 403,
    C.SENDER_MISMATCH: 403,
    C.USER_DAILY_COUNT_EXCEEDED: 429,
    C.USER_DAILY_VALUE_EXCEEDED: 429,
    C.APP_DAILY_COUNT_EXCEEDED: 429,
    C.APP_DAILY_VALUE_EXCEEDED: 429,
    C.NONCE_TOO_LOW: 409,
}


@dataclass(frozen=True, slots=True)
class Rejection:
    code: RejectionCode
    detail: str
    field: str | None = None

    @property
    def status(self) -> int:
        return _STATUS.get(self.code, 422)


@dataclass(frozen=True, slots=True)
class ContractRule:
    """What may be called on one registered contract.

    ``selectors`` None allows any call; ``plain_calls`` allows calls whose data carries no
    4-byte selector (a plain value transfer to ``receive``/``fallback``).
    """

    selectors: frozenset[str] | None
    plain_calls: bool


@dataclass(frozen=True, slots=True)
class Caps:
    """Per-transaction caps: the app's, already narrowed by the chain's fee policy."""

    max_value_wei: int
    max_gas_limit: int
    max_fee_per_gas_wei: int
    min_priority_fee_per_gas_wei: int = 0


@dataclass(frozen=True, slots=True)
class DailyLimits:
    user_tx: int
    user_value_wei: int
    app_tx: int
    app_value_wei: int


@dataclass(frozen=True, slots=True)
class Usage:
    """What the user and the app relayed so far today (UTC), before this transaction."""

    user_tx: int = 0
    user_value_wei: int = 0
    app_tx: int = 0
    app_value_wei: int = 0


@dataclass(frozen=True, slots=True)
class RelayRules:
    """One app's rules in one environment, prepared once for many checks."""

    chain_id: int
    contracts: Mapping[str, ContractRule]  # EIP-55 address -> rule
    caps: Caps
    limits: DailyLimits
    delisted: bool = False


def check_transaction(
    tx: DecodedTransaction, rules: RelayRules, wallet: str, block_gas_limit: int | None = None
) -> Rejection | None:
    """The first static rule ``tx`` breaks, or None (``wallet`` is the token's, EIP-55;
    ``block_gas_limit`` the chain's as last seen, None when unknown: the node then decides)."""
    if rules.delisted:
        return Rejection(C.APP_DELISTED, "the app is delisted; the relay refuses its transactions")
    if tx.sender != wallet:
        return Rejection(
            C.SENDER_MISMATCH,
            f"signed by {tx.sender}, but the access token is for wallet {wallet}",
            "sender",
        )
    if tx.chain_id is None:
        return Rejection(
            C.CHAIN_ID_MISSING,
            "pre-EIP-155 transactions carry no chain id and could be replayed on any chain",
            "chain_id",
        )
    if tx.chain_id != rules.chain_id:
        return Rejection(
            C.CHAIN_ID_MISMATCH,
            f"signed for chain {tx.chain_id}, the app's environment is chain {rules.chain_id}",
            "chain_id",
        )
    return (
        check_validity(tx, block_gas_limit)
        or _check_target(tx, rules)
        or _check_caps(tx, rules.caps)
    )


def check_validity(tx: DecodedTransaction, block_gas_limit: int | None) -> Rejection | None:
    """The protocol's rules a node would refuse ``tx`` for, checked before it is sent: a few
    comparisons on decoded fields and a count of the zero bytes of ``data`` (no I/O)."""
    if tx.to is None and len(tx.data) > MAX_INITCODE_BYTES:
        return Rejection(
            C.INITCODE_TOO_LARGE,
            f"init code is {len(tx.data)} bytes, above the EIP-3860 limit of "
            f"{MAX_INITCODE_BYTES} bytes",
            "data",
        )
    intrinsic = intrinsic_gas(tx)
    if tx.gas_limit < intrinsic:
        return Rejection(
            C.GAS_BELOW_INTRINSIC,
            f"gas limit {tx.gas_limit} is below the transaction's intrinsic gas {intrinsic} "
            "(EIP-2028 calldata, EIP-2930 access list, EIP-3860 init code)",
            "gas_limit",
        )
    floor = floor_gas(tx)
    if tx.gas_limit < floor:
        return Rejection(
            C.GAS_BELOW_INTRINSIC,
            f"gas limit {tx.gas_limit} is below the EIP-7623 calldata floor {floor}",
            "gas_limit",
        )
    if block_gas_limit is not None and tx.gas_limit > block_gas_limit:
        return Rejection(
            C.GAS_ABOVE_BLOCK_LIMIT,
            f"gas limit {tx.gas_limit} is above the chain's block gas limit {block_gas_limit}: "
            "no block can include it",
            "gas_limit",
        )
    tip, fee = tx.max_priority_fee_per_gas, tx.max_fee_per_gas
    if tip is not None and fee is not None and tip > fee:
        return Rejection(
            C.PRIORITY_FEE_ABOVE_MAX_FEE,
            f"maxPriorityFeePerGas {tip} wei is above maxFeePerGas {fee} wei (EIP-1559)",
            "max_priority_fee_per_gas",
        )
    return None


def _check_target(tx: DecodedTransaction, rules: RelayRules) -> Rejection | None:
    return check_call(tx.to, tx.data, rules)


def check_call(to: str | None, data: bytes, rules: RelayRules) -> Rejection | None:
    """``to`` (EIP-55) is a contract of the app and the call's selector is allowed; shared by the
    user-signed path and sponsored forward requests (ERC-2771)."""
    if to is None:
        return Rejection(
            C.CONTRACT_CREATION_NOT_ALLOWED, "the relay does not deploy contracts", "to"
        )
    rule = rules.contracts.get(to)
    if rule is None:
        return Rejection(
            C.CONTRACT_NOT_REGISTERED,
            f"{to} is not among the app's contracts for this environment",
            "to",
        )
    if len(data) < 4:
        if rule.plain_calls:
            return None
        return Rejection(
            C.SELECTOR_NOT_ALLOWED, f"{to} accepts no call without a method selector", "data"
        )
    if rule.selectors is not None:
        selector = "0x" + data[:4].hex()
        if selector not in rule.selectors:
            return Rejection(
                C.SELECTOR_NOT_ALLOWED,
                f"method {selector} is not in the allowlist of {to}",
                "data",
            )
    return None


def _check_caps(tx: DecodedTransaction, caps: Caps) -> Rejection | None:
    if tx.value > caps.max_value_wei:
        return Rejection(
            C.VALUE_CAP_EXCEEDED,
            f"value {tx.value} wei is above the cap of {caps.max_value_wei} wei",
            "value",
        )
    if tx.gas_limit > caps.max_gas_limit:
        return Rejection(
            C.GAS_LIMIT_CAP_EXCEEDED,
            f"gas limit {tx.gas_limit} is above the cap of {caps.max_gas_limit}",
            "gas_limit",
        )
    fee = tx.max_fee
    if fee > caps.max_fee_per_gas_wei:
        return Rejection(
            C.MAX_FEE_CAP_EXCEEDED,
            f"fee per gas {fee} wei is above the cap of {caps.max_fee_per_gas_wei} wei",
            "max_fee_per_gas",
        )
    tip = fee if tx.max_priority_fee_per_gas is None else tx.max_priority_fee_per_gas
    if tip < caps.min_priority_fee_per_gas_wei:
        return Rejection(
            C.PRIORITY_FEE_TOO_LOW,
            f"priority fee {tip} wei is below the chain's minimum of "
            f"{caps.min_priority_fee_per_gas_wei} wei (it would never be mined)",
            "max_priority_fee_per_gas",
        )
    return None


def check_usage(tx: DecodedTransaction, limits: DailyLimits, usage: Usage) -> Rejection | None:
    """The daily limit this transaction would exceed (spec 3.2.1), or None."""
    if usage.user_tx + 1 > limits.user_tx:
        return Rejection(
            C.USER_DAILY_COUNT_EXCEEDED,
            f"the user already relayed {usage.user_tx} of {limits.user_tx} transactions today",
        )
    if usage.user_value_wei + tx.value > limits.user_value_wei:
        return Rejection(
            C.USER_DAILY_VALUE_EXCEEDED,
            f"the user's value today would reach {usage.user_value_wei + tx.value} wei, "
            f"above the limit of {limits.user_value_wei} wei",
            "value",
        )
    if usage.app_tx + 1 > limits.app_tx:
        return Rejection(
            C.APP_DAILY_COUNT_EXCEEDED,
            f"the app already relayed {usage.app_tx} of {limits.app_tx} transactions today",
        )
    if usage.app_value_wei + tx.value > limits.app_value_wei:
        return Rejection(
            C.APP_DAILY_VALUE_EXCEEDED,
            f"the app's value today would reach {usage.app_value_wei + tx.value} wei, "
            f"above the limit of {limits.app_value_wei} wei",
            "value",
        )
    return None


def check_nonce(tx: DecodedTransaction, chain_nonce: int) -> Rejection | None:
    """``chain_nonce`` is the sender's mined transaction count: a lower nonce is already used."""
    if tx.nonce < chain_nonce:
        return Rejection(
            C.NONCE_TOO_LOW,
            f"nonce {tx.nonce} is below the sender's next nonce {chain_nonce} on the chain",
            "nonce",
        )
    return None
