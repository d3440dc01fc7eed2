"""The least gas a decoded transaction needs to be valid at all: pure arithmetic on its fields.

Intrinsic gas is charged before the first opcode runs; a gas limit below it makes the transaction
invalid, and nodes refuse it (or, as anvil does, drop it when building the block):

- 21,000 per transaction (Yellow Paper, G_transaction), 32,000 more to create a contract (EIP-2);
- calldata 4 gas per zero byte and 16 per non-zero byte (EIP-2028);
- 2,400 per access-list address and 1,900 per storage key (EIP-2930);
- for a creation, 2 gas per 32-byte word of init code (EIP-3860), whose size is at most 49,152
  bytes (EIP-3860: twice EIP-170's 24,576-byte code limit).

Since Prague the gas limit must also cover the calldata floor of EIP-7623: 21,000 + 10 gas per
calldata token, a zero byte being one token and a non-zero byte four. The calldata part of the
intrinsic gas is 4 gas per token (EIP-7623's ``STANDARD_TOKEN_COST``), so both come from one
count of the zero bytes.
"""

from __future__ import annotations

from chainless.chain.txcodec.model import DecodedTransaction

TX_GAS = 21_000  # Yellow Paper G_transaction
CREATE_GAS = 32_000  # EIP-2: G_txcreate
STANDARD_TOKEN_GAS = 4  # EIP-2028: 4 per zero byte, 16 = 4 tokens per non-zero byte
ACCESS_LIST_ADDRESS_GAS = 2_400  # EIP-2930
ACCESS_LIST_STORAGE_KEY_GAS = 1_900  # EIP-2930
INITCODE_WORD_GAS = 2  # EIP-3860
MAX_INITCODE_BYTES = 49_152  # EIP-3860
FLOOR_TOKEN_GAS = 10  # EIP-7623: TOTAL_COST_FLOOR_PER_TOKEN


def calldata_tokens(data: bytes) -> int:
    """EIP-7623 tokens: one per zero byte, four per non-zero byte."""
    return 4 * len(data) - 3 * data.count(0)


def intrinsic_gas(tx: DecodedTransaction) -> int:
    """EIP-2, EIP-2028, EIP-2930 and EIP-3860 intrinsic gas of ``tx``."""
    data = tx.data
    gas = TX_GAS + STANDARD_TOKEN_GAS * calldata_tokens(data)
    if tx.access_list:
        keys = sum(len(entry.storage_keys) for entry in tx.access_list)
        gas += ACCESS_LIST_ADDRESS_GAS * len(tx.access_list) + ACCESS_LIST_STORAGE_KEY_GAS * keys
    if tx.to is None:
        gas += CREATE_GAS + INITCODE_WORD_GAS * ((len(data) + 31) // 32)
    return gas


def floor_gas(tx: DecodedTransaction) -> int:
    """EIP-7623: the least gas a transaction carrying ``tx.data`` may have since Prague."""
    return TX_GAS + FLOOR_TOKEN_GAS * calldata_tokens(tx.data)
