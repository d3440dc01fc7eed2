"""Decode a raw signed transaction strictly and recover its sender.

The envelope follows EIP-2718: a first byte >= 0xc0 is a legacy RLP list (EIP-155 or earlier),
0x01 an EIP-2930 and 0x02 an EIP-1559 payload; everything else is refused. The signing payload is
sliced out of the raw bytes rather than re-encoded: the strict decoder guarantees the raw bytes are
the one canonical encoding, so the slice is exactly what the signer hashed.
"""

from __future__ import annotations

import binascii

from chainless.chain.txcodec.errors import (
    InvalidField,
    MalformedRLP,
    OversizedField,
    UnsupportedTransactionType,
    WrongFieldCount,
)
from chainless.chain.txcodec.fields import (
    UINT64_BYTES,
    read_access_list,
    read_data,
    read_nonce,
    read_to,
    read_uint,
)
from chainless.chain.txcodec.keccak import keccak256
from chainless.chain.txcodec.model import DecodedTransaction, TxType
from chainless.chain.txcodec.signature import (
    read_r_s,
    read_y_parity,
    recover_sender,
    split_legacy_v,
)
from chainless.chain.txcodec.strictrlp import (
    Item,
    decode_list,
    encode_list_header,
    encode_uint,
    split_items,
)

MAX_RAW_BYTES = 256 * 1024  # bounds the work done before any field is read

LEGACY_FIELDS = ("nonce", "gasPrice", "gasLimit", "to", "value", "data", "v", "r", "s")
# Both typed layouts end with the same eight fields (EIP-2930, EIP-1559).
_TYPED_TAIL = ("gasLimit", "to", "value", "data", "accessList", "yParity", "r", "s")
EIP2930_FIELDS = ("chainId", "nonce", "gasPrice", *_TYPED_TAIL)
EIP1559_FIELDS = ("chainId", "nonce", "maxPriorityFeePerGas", "maxFeePerGas", *_TYPED_TAIL)
_TYPED_FIELDS = {TxType.ACCESS_LIST: EIP2930_FIELDS, TxType.DYNAMIC_FEE: EIP1559_FIELDS}
_KNOWN_TYPES = {0x03: "EIP-4844 blob", 0x04: "EIP-7702 set-code"}


def decode(raw: bytes | bytearray | memoryview | str) -> DecodedTransaction:
    """Decode a signed legacy, EIP-2930 or EIP-1559 transaction (bytes or 0x-hex).

    Raises a :class:`~chainless.chain.txcodec.errors.TxDecodeError` subclass naming the field.
    """
    data = _as_bytes(raw)
    if len(data) > MAX_RAW_BYTES:
        raise OversizedField("raw", f"{len(data)} bytes, the maximum is {MAX_RAW_BYTES}")
    if not data:
        raise MalformedRLP("transaction", "empty input")
    first = data[0]
    if first >= 0xC0:
        return _decode_legacy(data)
    if first in _TYPED_FIELDS:
        return _decode_typed(data, TxType(first))
    raise UnsupportedTransactionType("type", _describe_type(first))


def _as_bytes(raw: bytes | bytearray | memoryview | str) -> bytes:
    if isinstance(raw, str):
        if not raw.startswith("0x"):
            raise InvalidField("raw", "hex input must start with 0x")
        if len(raw) > 2 + 2 * MAX_RAW_BYTES:
            raise OversizedField("raw", f"more than {MAX_RAW_BYTES} bytes")
        if len(raw) % 2:
            raise InvalidField("raw", "hex input has an odd number of digits")
        try:
            return binascii.unhexlify(raw[2:])
        except (binascii.Error, ValueError):
            raise InvalidField("raw", "hex input has a non-hex character") from None
    if isinstance(raw, bytes | bytearray | memoryview):
        return bytes(raw)
    raise TypeError(f"raw transaction must be bytes or a 0x-hex str, not {type(raw).__name__}")


def _describe_type(first: int) -> str:
    if first in _KNOWN_TYPES:
        return f"0x{first:02x} ({_KNOWN_TYPES[first]}) is not supported"
    if first < 0x80:
        return f"0x{first:02x} is not a supported EIP-2718 type"
    return f"first byte 0x{first:02x} is neither an EIP-2718 type nor a legacy RLP list"


def _split_fields(
    raw: bytes, pos: int, names: tuple[str, ...], kind: str
) -> tuple[list[Item], list[int], int]:
    start, end = decode_list(raw, pos, "transaction")
    items, offsets = split_items(raw, start, end, "transaction", names)
    if len(items) != len(names):
        raise WrongFieldCount("transaction", f"{kind} has {len(names)} fields, got {len(items)}")
    return items, offsets, start


def _decode_legacy(raw: bytes) -> DecodedTransaction:
    """Legacy transaction (Yellow Paper 4.2): EIP-155 signs ``rlp([nonce..data, chainId, 0, 0])``,
    older ones ``rlp([nonce..data])``."""
    items, offsets, start = _split_fields(raw, 0, LEGACY_FIELDS, "a legacy transaction")
    nonce = read_nonce(items[0])
    gas_price = read_uint(items[1], "gasPrice")
    gas_limit = read_uint(items[2], "gasLimit", UINT64_BYTES)
    to = read_to(items[3])
    value = read_uint(items[4], "value")
    data = read_data(items[5])
    v = read_uint(items[6], "v")
    chain_id, y_parity = split_legacy_v(v)
    r, s = read_r_s(items[7], items[8])

    unsigned = raw[start : offsets[6]]
    if chain_id is not None:
        unsigned += encode_uint(chain_id) + b"\x80\x80"
    signing_hash = keccak256(encode_list_header(len(unsigned)) + unsigned)
    return DecodedTransaction(
        type=TxType.LEGACY,
        chain_id=chain_id,
        nonce=nonce,
        gas_limit=gas_limit,
        to=to,
        value=value,
        data=data,
        access_list=(),
        gas_price=gas_price,
        max_fee_per_gas=None,
        max_priority_fee_per_gas=None,
        v=v,
        y_parity=y_parity,
        r=r,
        s=s,
        hash="0x" + keccak256(raw).hex(),
        sender=recover_sender(signing_hash, r, s, y_parity),
        raw=raw,
    )


def _decode_typed(raw: bytes, tx_type: TxType) -> DecodedTransaction:
    """EIP-2930 / EIP-1559: the signer hashes ``type || rlp(fields without the signature)``."""
    names = _TYPED_FIELDS[tx_type]
    items, offsets, start = _split_fields(raw, 1, names, f"a type {tx_type:#04x} transaction")
    chain_id = read_uint(items[0], "chainId")
    if chain_id == 0:  # as for legacy v = 35/36: no network has chain id 0
        raise InvalidField("chainId", "0 is not a chain id")
    nonce = read_nonce(items[1])
    gas_price, max_priority_fee, max_fee = _read_fees(items, tx_type)
    gas_limit_item, to_item, value_item, data_item, access_item, parity_item, r_item, s_item = (
        items[-8:]
    )
    gas_limit = read_uint(gas_limit_item, "gasLimit", UINT64_BYTES)
    to = read_to(to_item)
    value = read_uint(value_item, "value")
    data = read_data(data_item)
    access_list = read_access_list(access_item)
    y_parity = read_y_parity(parity_item)
    r, s = read_r_s(r_item, s_item)

    unsigned = raw[start : offsets[-3]]
    signing_hash = keccak256(raw[:1] + encode_list_header(len(unsigned)) + unsigned)
    return DecodedTransaction(
        type=tx_type,
        chain_id=chain_id,
        nonce=nonce,
        gas_limit=gas_limit,
        to=to,
        value=value,
        data=data,
        access_list=access_list,
        gas_price=gas_price,
        max_fee_per_gas=max_fee,
        max_priority_fee_per_gas=max_priority_fee,
        v=y_parity,
        y_parity=y_parity,
        r=r,
        s=s,
        hash="0x" + keccak256(raw).hex(),
        sender=recover_sender(signing_hash, r, s, y_parity),
        raw=raw,
    )


def _read_fees(items: list[Item], tx_type: TxType) -> tuple[int | None, int | None, int | None]:
    """``(gasPrice, maxPriorityFeePerGas, maxFeePerGas)``: EIP-2930 has one, EIP-1559 the others."""
    if tx_type == TxType.DYNAMIC_FEE:
        tip = read_uint(items[2], "maxPriorityFeePerGas")
        return None, tip, read_uint(items[3], "maxFeePerGas")
    return read_uint(items[2], "gasPrice"), None, None
