"""Signed sample transactions and the helpers that break them, shared by the rejection tests.

Bad encodings are built by hand: a signed transaction is split with the (lenient) ``rlp`` package,
one field is replaced, and the list is re-encoded, with a raw item encoding spliced in where the
point is a non-canonical encoding. The tests here check the helpers and the published error codes.
"""

from __future__ import annotations

from typing import Any

import pytest
import rlp  # type: ignore[import-untyped]
from eth_account import Account
from eth_account.signers.local import LocalAccount
from eth_utils import to_checksum_address

from chainless.chain.txcodec import (
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
    decode,
)

pytestmark = pytest.mark.portable

ALICE: LocalAccount = Account.from_key("0x" + "b2" * 32)
TO = to_checksum_address("0x" + "5e" * 20)
KEY_1 = "0x" + "00" * 31 + "01"
ACCESS_LIST = [{"address": "0x" + "07" * 20, "storageKeys": [KEY_1, "0x" + "ff" * 32]}]

LEGACY_LAYOUT = ["nonce", "gasPrice", "gasLimit", "to", "value", "data", "v", "r", "s"]
TAIL = ["gasLimit", "to", "value", "data", "accessList", "yParity", "r", "s"]
LAYOUTS = {
    b"": LEGACY_LAYOUT,
    b"\x01": ["chainId", "nonce", "gasPrice", *TAIL],
    b"\x02": ["chainId", "nonce", "maxPriorityFeePerGas", "maxFeePerGas", *TAIL],
}


def signed(tx: dict[str, Any]) -> bytes:
    return bytes(ALICE.sign_transaction({"value": 0, "data": b"\xca\xfe", **tx}).raw_transaction)


LEGACY = signed({"nonce": 5, "gasPrice": 10**9, "gas": 21_000, "to": TO})
EIP155 = signed({"chainId": 1, "nonce": 5, "gasPrice": 10**9, "gas": 21_000, "to": TO})
EIP2930 = signed(
    {"type": 1, "chainId": 1, "nonce": 5, "gasPrice": 9, "gas": 60_000, "to": TO}
    | {"accessList": ACCESS_LIST}
)
EIP1559 = signed(
    {"type": 2, "chainId": 1, "nonce": 5, "maxPriorityFeePerGas": 1, "maxFeePerGas": 9}
    | {"gas": 60_000, "to": TO, "accessList": ACCESS_LIST}
)
ALL = pytest.mark.parametrize(
    "raw", [LEGACY, EIP155, EIP2930, EIP1559], ids=["legacy", "eip155", "eip2930", "eip1559"]
)


# --- building bad encodings -------------------------------------------------------------------


def split(raw: bytes) -> tuple[bytes, list[Any]]:
    prefix = b"" if raw[0] >= 0xC0 else raw[:1]
    return prefix, list(rlp.decode(raw[len(prefix) :]))


def list_header(length: int) -> bytes:
    if length < 56:
        return bytes([0xC0 + length])
    size = length.to_bytes((length.bit_length() + 7) // 8, "big")
    return bytes([0xF7 + len(size)]) + size


def encode_list(*encoded_items: bytes) -> bytes:
    payload = b"".join(encoded_items)
    return list_header(len(payload)) + payload


def replace(raw: bytes, field: str, value: Any) -> bytes:
    """Re-encode ``raw`` with one field's (canonically RLP-encoded) value replaced."""
    return replace_encoded(raw, field, rlp.encode(value))


def replace_encoded(raw: bytes, field: str, encoded: bytes) -> bytes:
    """Re-encode ``raw`` with one field's encoding replaced by ``encoded`` as given."""
    prefix, fields = split(raw)
    items = [rlp.encode(value) for value in fields]
    items[LAYOUTS[prefix].index(field)] = encoded
    return prefix + encode_list(*items)


def uint(value: int) -> bytes:
    return value.to_bytes((value.bit_length() + 7) // 8, "big")


def rejects(raw: bytes | str, error: type[TxDecodeError], field: str) -> TxDecodeError:
    with pytest.raises(error) as caught:
        decode(raw)
    assert caught.value.field == field
    assert str(caught.value).startswith(f"{field}: ")
    return caught.value


def test_error_codes_are_stable() -> None:
    codes = {
        MalformedRLP: "malformed_rlp",
        NonCanonicalInteger: "non_canonical_integer",
        NonceOutOfRange: "nonce_out_of_range",
        InvalidField: "invalid_field",
        WrongFieldCount: "wrong_field_count",
        InvalidSignature: "invalid_signature",
        OversizedField: "oversized_field",
        UnsupportedTransactionType: "unsupported_type",
        TrailingBytes: "trailing_bytes",
    }
    for error, code in codes.items():
        assert error.code == code
        assert issubclass(error, TxDecodeError)
        assert issubclass(error, ValueError)


def test_the_helpers_rebuild_the_original_bytes() -> None:
    for raw in (LEGACY, EIP155, EIP2930, EIP1559):
        prefix, fields = split(raw)
        assert prefix + rlp.encode(fields) == raw
        assert replace(raw, "nonce", 5) == raw
