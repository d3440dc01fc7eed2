"""EIP-1559 fees for the platform's relayer transactions, asked from the node and capped by the
chain's fee policy (``ChainConfig.fee_policy``).

The tip is the node's ``eth_maxPriorityFeePerGas`` (at least the policy's minimum); the fee cap
is twice the next block's base fee (``eth_feeHistory``'s last ``baseFeePerGas``) plus the tip,
which stays valid through six full blocks of +12.5% base fee growth (EIP-1559 "Specification").
A replacement must raise both by at least 10% (geth's and anvil's ``txpool`` price bump).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from chainless.chain.relay.rpc import ChainRpc, quantity
from chainless.platform.core.settings import FeePolicy

BUMP_PERCENT = 10


class FeeAboveCap(Exception):
    """The network asks more than the chain's fee policy lets the platform pay."""

    def __init__(self, base_fee: int, cap: int) -> None:
        super().__init__(f"the next base fee {base_fee} wei is above the fee cap {cap} wei")
        self.base_fee = base_fee
        self.cap = cap


@dataclass(frozen=True)
class Fees:
    max_fee_per_gas: int
    max_priority_fee_per_gas: int


FEE_HISTORY: tuple[str, list[Any]] = ("eth_feeHistory", ["0x1", "latest", []])
PRIORITY_FEE: tuple[str, list[Any]] = ("eth_maxPriorityFeePerGas", [])


def next_base_fee(rpc: ChainRpc) -> int:
    return base_fee_of(rpc.call(*FEE_HISTORY))


def base_fee_of(history: Any) -> int:
    """The next block's base fee: the last ``baseFeePerGas`` of an ``eth_feeHistory`` answer."""
    base_fees = (history or {}).get("baseFeePerGas") or []
    return (quantity(base_fees[-1]) or 0) if base_fees else 0


def suggest(rpc: ChainRpc, policy: FeePolicy) -> Fees:
    base_fee = next_base_fee(rpc)
    return priced(base_fee, quantity(rpc.call(*PRIORITY_FEE)) or 0, policy)


def priced(base_fee: int, node_tip: int, policy: FeePolicy) -> Fees:
    """The fees for a next base fee and the node's suggested tip, under the fee policy."""
    tip = max(node_tip, policy.min_priority_fee_per_gas_wei)
    return capped(2 * base_fee + tip, tip, base_fee, policy)


def bumped(previous: Fees, rpc: ChainRpc, policy: FeePolicy) -> Fees:
    """Fees for a replacement of a stuck transaction: the node's current price, and at least
    ``BUMP_PERCENT`` more than ``previous`` on both fields (rounded up)."""
    now = suggest(rpc, policy)
    tip = max(now.max_priority_fee_per_gas, _plus_bump(previous.max_priority_fee_per_gas))
    fee = max(now.max_fee_per_gas, _plus_bump(previous.max_fee_per_gas), tip)
    if fee > policy.max_fee_per_gas_wei:  # a capped bump would be refused as underpriced
        raise FeeAboveCap(fee, policy.max_fee_per_gas_wei)
    return Fees(max_fee_per_gas=fee, max_priority_fee_per_gas=tip)


def capped(max_fee: int, tip: int, base_fee: int, policy: FeePolicy) -> Fees:
    cap = policy.max_fee_per_gas_wei
    if base_fee + min(tip, policy.min_priority_fee_per_gas_wei) > cap:
        raise FeeAboveCap(base_fee, cap)
    max_fee = min(max_fee, cap)
    return Fees(max_fee_per_gas=max_fee, max_priority_fee_per_gas=min(tip, max_fee))


def _plus_bump(value: int) -> int:
    return -(-value * (100 + BUMP_PERCENT) // 100)
