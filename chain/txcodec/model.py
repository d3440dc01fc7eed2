"""The decoded transaction the relay works with (EIP-155, EIP-2718, EIP-2930, EIP-1559)."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum


class TxType(IntEnum):
    """EIP-2718 transaction types the relay accepts."""

    LEGACY = 0
    ACCESS_LIST = 1  # EIP-2930
    DYNAMIC_FEE = 2  # EIP-1559


@dataclass(frozen=True, slots=True)
class AccessListEntry:
    """One EIP-2930 access-list entry: an address and the storage slots it pre-warms."""

    address: str  # EIP-55 checksummed
    storage_keys: tuple[str, ...]  # 0x-prefixed, 32 bytes each


@dataclass(frozen=True, slots=True)
class DecodedTransaction:
    """A strictly decoded signed transaction with its recovered sender.

    ``v`` is the signature's ``v`` as encoded: 27/28 before EIP-155, ``chain_id * 2 + 35/36`` for
    EIP-155, and the y-parity itself for typed transactions (as JSON-RPC reports it).
    """

    type: TxType
    chain_id: int | None  # None only for pre-EIP-155 legacy transactions
    nonce: int
    gas_limit: int
    to: str | None  # EIP-55 checksummed; None creates a contract
    value: int
    data: bytes
    access_list: tuple[AccessListEntry, ...]
    gas_price: int | None  # legacy and EIP-2930
    max_fee_per_gas: int | None  # EIP-1559
    max_priority_fee_per_gas: int | None  # EIP-1559
    v: int
    y_parity: int
    r: int
    s: int
    hash: str  # keccak256 of the raw bytes, 0x-hex
    sender: str  # recovered, EIP-55 checksummed
    raw: bytes = field(repr=False)

    @property
    def max_fee(self) -> int:
        """The most the sender pays per gas: ``gasPrice``, or ``maxFeePerGas`` under EIP-1559."""
        fee = self.gas_price if self.max_fee_per_gas is None else self.max_fee_per_gas
        assert fee is not None  # every type sets exactly one of the two
        return fee

    @property
    def is_contract_creation(self) -> bool:
        return self.to is None

    @property
    def selector(self) -> str | None:
        """The ABI function selector (first 4 bytes of ``data``) of a call, else None."""
        if self.to is None or len(self.data) < 4:
            return None
        return "0x" + self.data[:4].hex()
