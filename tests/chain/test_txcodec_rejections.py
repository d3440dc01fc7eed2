"""Every encoding rule the strict decoder enforces, each broken on purpose in a signed transaction:
the EIP-2718 envelope, canonical RLP (Yellow Paper, Appendix B), integers, field shapes, list sizes
and hex input. Signature rules are in ``test_txcodec_signatures.py``.
"""

from __future__ import annotations

from typing import Any

import pytest
import rlp  # type: ignore[import-untyped]

from chainless.chain.txcodec import (
    MAX_DATA_BYTES,
    MAX_RAW_BYTES,
    InvalidField,
    MalformedRLP,
    NonCanonicalInteger,
    NonceOutOfRange,
    OversizedField,
    TrailingBytes,
    TxDecodeError,
    UnsupportedTransactionType,
    WrongFieldCount,
)
from tests.chain.test_txcodec_samples import (
    ALL,
    EIP155,
    EIP1559,
    EIP2930,
    LEGACY,
    encode_list,
    rejects,
    replace,
    replace_encoded,
    split,
    uint,
)

pytestmark = pytest.mark.portable


# --- envelope (EIP-2718) ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("first_byte", "says"),
    [
        (0x03, "blob"),
        (0x04, "set-code"),
        (0x05, "not a supported EIP-2718 type"),
        (0x7F, "not a supported EIP-2718 type"),
        (0x00, "not a supported EIP-2718 type"),
        (0x80, "neither an EIP-2718 type nor a legacy RLP list"),
        (0xBF, "neither an EIP-2718 type nor a legacy RLP list"),
    ],
)
def test_unsupported_types(first_byte: int, says: str) -> None:
    error = rejects(bytes([first_byte]) + EIP1559[1:], UnsupportedTransactionType, "type")
    assert says in error.detail


@pytest.mark.parametrize("raw", [b"", "0x"])
def test_empty_input(raw: bytes | str) -> None:
    error = rejects(raw, MalformedRLP, "transaction")
    assert error.detail == "empty input"


@ALL
@pytest.mark.parametrize("extra", [b"\x00", b"\xc0", b"\x80\x80"])
def test_trailing_bytes(raw: bytes, extra: bytes) -> None:
    error = rejects(raw + extra, TrailingBytes, "transaction")
    assert error.detail.startswith(f"{len(extra)} byte(s) after")


@ALL
def test_truncated_input(raw: bytes) -> None:
    rejects(raw[:-1], MalformedRLP, "transaction")


def test_typed_payload_must_be_a_list() -> None:
    error = rejects(b"\x02" + rlp.encode(b"x" * 40), MalformedRLP, "transaction")
    assert "expected an RLP list" in error.detail


def test_type_byte_alone() -> None:
    rejects(b"\x02", MalformedRLP, "transaction")


# --- canonical RLP (Yellow Paper, Appendix B) -------------------------------------------------


def test_single_byte_wrapped_as_a_string() -> None:
    error = rejects(replace_encoded(LEGACY, "nonce", b"\x81\x05"), MalformedRLP, "nonce")
    assert "must encode itself" in error.detail


def test_long_form_length_for_a_short_string() -> None:
    error = rejects(replace_encoded(EIP1559, "data", b"\xb8\x04abcd"), MalformedRLP, "data")
    assert "long-form length used for 4 bytes" in error.detail


def test_long_form_length_for_a_short_list() -> None:
    entry = rlp.encode(bytes(20)) + rlp.encode([])
    access_list = encode_list(b"\xf8" + bytes([len(entry)]) + entry)
    raw = replace_encoded(EIP2930, "accessList", access_list)
    error = rejects(raw, MalformedRLP, "accessList[0]")
    assert "long-form" in error.detail


def test_length_with_leading_zero_bytes() -> None:
    data = b"\x01" * 60
    error = rejects(replace_encoded(EIP155, "data", b"\xb9\x00\x3c" + data), MalformedRLP, "data")
    assert "leading zero" in error.detail


def test_list_length_with_leading_zero_bytes() -> None:
    payload_length = len(LEGACY) - 2  # the canonical header is 0xf8 <one byte>
    assert LEGACY[0] == 0xF8
    raw = b"\xf9" + payload_length.to_bytes(2, "big") + LEGACY[2:]
    rejects(raw, MalformedRLP, "transaction")


def test_item_running_past_the_end_of_its_list() -> None:
    raw = replace_encoded(EIP1559, "s", b"\xa0" + b"\x11" * 31)  # declares 32, has 31
    error = rejects(raw, MalformedRLP, "s")
    assert "declares 32 bytes but only 31 remain" in error.detail


# --- integers ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "field", "value"),
    [
        (LEGACY, "nonce", b"\x00\x05"),
        (LEGACY, "gasPrice", b"\x00" + uint(10**9)),
        (EIP155, "v", b"\x00\x25"),
        (EIP2930, "chainId", b"\x00\x01"),
        (EIP2930, "gasLimit", b"\x00" + uint(60_000)),
        (EIP1559, "maxFeePerGas", b"\x00\x09"),
        (EIP1559, "maxPriorityFeePerGas", b"\x00\x01"),
        (EIP1559, "value", b"\x00"),  # zero is the empty string, not 0x00
        (EIP1559, "yParity", b"\x00\x01"),
        (EIP1559, "r", b"\x00" + b"\x11" * 32),
    ],
)
def test_integers_with_leading_zeros(raw: bytes, field: str, value: bytes) -> None:
    rejects(replace(raw, field, value), NonCanonicalInteger, field)


@pytest.mark.parametrize(
    ("raw", "field", "value"),
    [
        (EIP1559, "value", b"\x01" * 33),
        (EIP1559, "chainId", b"\x01" * 33),
        (EIP1559, "maxFeePerGas", b"\x01" * 33),
        (LEGACY, "gasPrice", b"\x01" * 33),
        (EIP1559, "nonce", b"\x01" * 9),  # EIP-2681: nonces are 64-bit
        (EIP2930, "gasLimit", b"\x01" * 9),
    ],
)
def test_integers_too_large(raw: bytes, field: str, value: bytes) -> None:
    error = rejects(replace(raw, field, value), OversizedField, field)
    assert f"integer is {len(value)} bytes" in error.detail


@pytest.mark.parametrize("raw", [LEGACY, EIP155, EIP2930, EIP1559])
def test_a_nonce_of_two_to_the_64_minus_one_is_out_of_range(raw: bytes) -> None:
    """EIP-2681: a nonce is at most 2^64 - 2; 2^64 - 1 fits in 64 bits but is invalid."""
    error = rejects(replace(raw, "nonce", 2**64 - 1), NonceOutOfRange, "nonce")
    assert error.code == "nonce_out_of_range"
    assert "EIP-2681" in error.detail


# --- field shapes -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        (LEGACY, "nonce"),
        (LEGACY, "to"),
        (LEGACY, "data"),
        (LEGACY, "v"),
        (EIP1559, "chainId"),
        (EIP1559, "value"),
        (EIP1559, "yParity"),
        (EIP1559, "r"),
    ],
)
def test_list_where_bytes_belong(raw: bytes, field: str) -> None:
    rejects(replace(raw, field, [b"\x01"]), InvalidField, field)


@ALL
@pytest.mark.parametrize("size", [1, 19, 21, 32])
def test_recipient_must_be_empty_or_20_bytes(raw: bytes, size: int) -> None:
    error = rejects(replace(raw, "to", b"\x5e" * size), InvalidField, "to")
    assert f"got {size}" in error.detail


def test_data_over_the_cap() -> None:
    raw = replace(EIP1559, "data", b"\x01" * (MAX_DATA_BYTES + 1))
    error = rejects(raw, OversizedField, "data")
    assert str(MAX_DATA_BYTES) in error.detail


def test_input_over_the_size_limit() -> None:
    huge = b"\xc0" * (MAX_RAW_BYTES + 1)
    rejects(huge, OversizedField, "raw")
    rejects("0x" + huge.hex(), OversizedField, "raw")


@pytest.mark.parametrize(
    ("access_list", "error", "field"),
    [
        (b"\x01", InvalidField, "accessList"),
        ([b"\x07" * 20], InvalidField, "accessList[0]"),
        ([[b"\x07" * 20]], WrongFieldCount, "accessList[0]"),
        ([[b"\x07" * 20, [], b""]], WrongFieldCount, "accessList[0]"),
        ([[b"\x07" * 19, []]], InvalidField, "accessList[0].address"),
        ([[[b"\x07" * 20], []]], InvalidField, "accessList[0].address"),
        ([[b"\x07" * 20, b"\x01" * 32]], InvalidField, "accessList[0].storageKeys"),
        (
            [[b"\x07" * 20, [b"\x01" * 32, b"\x01" * 31]]],
            InvalidField,
            "accessList[0].storageKeys[1]",
        ),
        ([[b"\x07" * 20, [[b"\x01" * 32]]]], InvalidField, "accessList[0].storageKeys[0]"),
        ([[b"\x07" * 20, []], [b"\x07" * 20, [b""]]], InvalidField, "accessList[1].storageKeys[0]"),
    ],
)
@pytest.mark.parametrize("raw", [EIP2930, EIP1559], ids=["eip2930", "eip1559"])
def test_access_list_shape(
    raw: bytes, access_list: Any, error: type[TxDecodeError], field: str
) -> None:
    rejects(replace(raw, "accessList", access_list), error, field)


@pytest.mark.parametrize("raw", [EIP2930, EIP1559], ids=["eip2930", "eip1559"])
def test_chain_id_zero(raw: bytes) -> None:
    rejects(replace(raw, "chainId", 0), InvalidField, "chainId")


def test_access_list_where_the_legacy_layout_has_none() -> None:
    rejects(replace(LEGACY, "data", [[b"\x07" * 20, []]]), InvalidField, "data")


# --- list sizes -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "count"),
    [(LEGACY, 8), (LEGACY, 10), (EIP155, 0), (EIP2930, 12), (EIP2930, 9), (EIP1559, 11)],
)
def test_wrong_number_of_fields(raw: bytes, count: int) -> None:
    prefix, fields = split(raw)
    fields = (fields + [b""] * count)[:count]
    error = rejects(prefix + rlp.encode(fields), WrongFieldCount, "transaction")
    assert f"got {count}" in error.detail


# --- hex input --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "says"),
    [
        (EIP1559.hex(), "must start with 0x"),
        ("0X" + EIP1559.hex(), "must start with 0x"),
        ("0x" + EIP1559.hex() + "0", "odd number of digits"),
        ("0x" + EIP1559.hex()[:-2] + "zz", "non-hex character"),
        ("0x" + EIP1559.hex()[:-2] + " 0", "non-hex character"),
        ("0x" + EIP1559.hex()[:-2] + "é0", "non-hex character"),
    ],
    ids=["no-prefix", "upper-prefix", "odd", "non-hex", "space", "non-ascii"],
)
def test_hex_input(text: str, says: str) -> None:
    error = rejects(text, InvalidField, "raw")
    assert says in error.detail
