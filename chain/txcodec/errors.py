"""Why a raw transaction was refused: one exception family with a stable ``code`` per rule.

The relay maps ``code`` to its problem+json responses and metrics, so the codes never change once
published; ``field`` names the offending field with the names used by EIP-1559/EIP-2930 (``nonce``,
``maxFeePerGas``, ``accessList[0].address``...), ``raw`` for the input itself.
"""

from __future__ import annotations

from typing import ClassVar


class TxDecodeError(ValueError):
    """Base class: the input is not a strictly valid signed transaction."""

    code: ClassVar[str] = "invalid_transaction"

    def __init__(self, field: str | None, detail: str) -> None:
        self.field = field
        self.detail = detail
        super().__init__(f"{field}: {detail}" if field else detail)

    def __reduce__(self) -> tuple[type[TxDecodeError], tuple[str | None, str]]:
        # The default reduction would call __init__ with the formatted message only.
        return type(self), (self.field, self.detail)


class MalformedRLP(TxDecodeError):
    """Not canonical RLP (Yellow Paper, Appendix B): truncated, long form for short, ..."""

    code = "malformed_rlp"


class NonCanonicalInteger(TxDecodeError):
    """An integer field with leading zero bytes (RLP integers are minimal big-endian)."""

    code = "non_canonical_integer"


class InvalidField(TxDecodeError):
    """A field of the wrong shape: a list where bytes belong, a 19-byte address, bad hex input."""

    code = "invalid_field"


class NonceOutOfRange(TxDecodeError):
    """A nonce of 2^64 - 1: EIP-2681 bounds nonces to at most 2^64 - 2, so that the account's
    nonce can still be incremented after it (clients refuse the transaction as invalid)."""

    code = "nonce_out_of_range"


class WrongFieldCount(TxDecodeError):
    """A transaction or access-list entry with the wrong number of items."""

    code = "wrong_field_count"


class InvalidSignature(TxDecodeError):
    """A signature outside the EIP-2/EIP-155 rules, or one that recovers to no public key."""

    code = "invalid_signature"


class OversizedField(TxDecodeError):
    """A field (or the whole input) larger than the protocol or the relay allows."""

    code = "oversized_field"


class UnsupportedTransactionType(TxDecodeError):
    """An EIP-2718 type the relay does not accept (0x03 blob, 0x04 set-code, unknown)."""

    code = "unsupported_type"


class TrailingBytes(TxDecodeError):
    """Bytes after the end of the transaction's RLP list."""

    code = "trailing_bytes"
