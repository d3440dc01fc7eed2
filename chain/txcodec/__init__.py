"""Strict decoding of raw signed Ethereum transactions for the transaction relay.

``decode(raw)`` accepts legacy (pre-EIP-155 and EIP-155) transactions and the EIP-2718 types 0x01
(EIP-2930) and 0x02 (EIP-1559) as bytes or 0x-hex, refuses every non-canonical encoding (Yellow
Paper Appendix B; EIP-2 low s), and returns a :class:`DecodedTransaction` with the recovered
sender. Refusals are :class:`TxDecodeError` subclasses with a stable ``code`` and the offending
``field``. It runs on every broadcast, so it reads the bytes once and slices the signing payload
out of them instead of re-encoding (``bench/txcodec_bench.py`` measures it). ``intrinsic_gas`` and
``floor_gas`` (``gas``) give the least gas limit a decoded transaction must carry to be valid.
"""

from chainless.chain.txcodec.decoder import MAX_RAW_BYTES, decode
from chainless.chain.txcodec.errors import (
    InvalidField,
    InvalidSignature,
    MalformedRLP,
    NonCanonicalInteger,
    NonceOutOfRange,
    OversizedField,
    TrailingBytes,
    TxDecodeError,
    UnsupportedTransactionType,
    WrongFieldCount,
)
from chainless.chain.txcodec.fields import MAX_DATA_BYTES, MAX_NONCE
from chainless.chain.txcodec.gas import MAX_INITCODE_BYTES, floor_gas, intrinsic_gas
from chainless.chain.txcodec.model import AccessListEntry, DecodedTransaction, TxType
from chainless.chain.txcodec.signature import SECP256K1_N

__all__ = [
    "MAX_DATA_BYTES",
    "MAX_INITCODE_BYTES",
    "MAX_NONCE",
    "MAX_RAW_BYTES",
    "SECP256K1_N",
    "AccessListEntry",
    "DecodedTransaction",
    "InvalidField",
    "InvalidSignature",
    "MalformedRLP",
    "NonCanonicalInteger",
    "NonceOutOfRange",
    "OversizedField",
    "TrailingBytes",
    "TxDecodeError",
    "TxType",
    "UnsupportedTransactionType",
    "WrongFieldCount",
    "decode",
    "floor_gas",
    "intrinsic_gas",
]
