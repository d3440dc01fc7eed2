"""Field readers: turn RLP items into typed values, refusing anything non-canonical or oversized.

Integers are minimal big-endian byte strings (Yellow Paper, Appendix B: no leading zeros, zero is
the empty string) of at most 32 bytes; ``nonce`` and ``gasLimit`` are 64-bit (EIP-2681 and every
client's gas type), and a nonce is at most 2^64 - 2 (EIP-2681). Addresses are 20 bytes, ``to``
may be empty for a contract creation (Yellow Paper 4.2), and the access list is
``[[address, [storageKey, ...]], ...]`` (EIP-2930).
"""

from __future__ import annotations

from chainless.chain.txcodec.errors import (
    InvalidField,
    NonCanonicalInteger,
    NonceOutOfRange,
    OversizedField,
    WrongFieldCount,
)
from chainless.chain.txcodec.keccak import checksum_address
from chainless.chain.txcodec.model import AccessListEntry
from chainless.chain.txcodec.strictrlp import Item, RLPList, split_items

UINT256_BYTES = 32
UINT64_BYTES = 8
ADDRESS_BYTES = 20
STORAGE_KEY_BYTES = 32
MAX_DATA_BYTES = 128 * 1024  # the relay's cap on calldata / init code
MAX_NONCE = 2**64 - 2  # EIP-2681: the nonce after it must still fit in 64 bits


def read_uint(item: Item, name: str, max_bytes: int = UINT256_BYTES) -> int:
    if isinstance(item, RLPList):
        raise InvalidField(name, "expected an integer, found a list")
    if item and item[0] == 0:
        raise NonCanonicalInteger(name, "integer has leading zero bytes")
    if len(item) > max_bytes:
        raise OversizedField(name, f"integer is {len(item)} bytes, the maximum is {max_bytes}")
    return int.from_bytes(item, "big")


def read_nonce(item: Item) -> int:
    """EIP-2681: a 64-bit nonce, at most 2^64 - 2."""
    nonce = read_uint(item, "nonce", UINT64_BYTES)
    if nonce > MAX_NONCE:
        raise NonceOutOfRange("nonce", f"{nonce} is above {MAX_NONCE}, the EIP-2681 maximum")
    return nonce


def read_bytes(item: Item, name: str) -> bytes:
    if isinstance(item, RLPList):
        raise InvalidField(name, "expected a byte string, found a list")
    return item


def read_data(item: Item) -> bytes:
    data = read_bytes(item, "data")
    if len(data) > MAX_DATA_BYTES:
        raise OversizedField("data", f"{len(data)} bytes, the maximum is {MAX_DATA_BYTES}")
    return data


def read_to(item: Item) -> str | None:
    """The recipient, or None for a contract creation (an empty string)."""
    to = read_bytes(item, "to")
    if not to:
        return None
    if len(to) != ADDRESS_BYTES:
        raise InvalidField("to", f"must be empty or {ADDRESS_BYTES} bytes, got {len(to)}")
    return checksum_address(to)


def read_access_list(item: Item) -> tuple[AccessListEntry, ...]:
    """EIP-2930 access list: each entry exactly ``[20-byte address, [32-byte key, ...]]``."""
    if not isinstance(item, RLPList):
        raise InvalidField("accessList", "expected a list, found a byte string")
    entries, _ = split_items(item.buf, item.start, item.end, "accessList")
    return tuple(_read_entry(entry, f"accessList[{index}]") for index, entry in enumerate(entries))


def _read_entry(entry: Item, path: str) -> AccessListEntry:
    if not isinstance(entry, RLPList):
        raise InvalidField(path, "expected an [address, storageKeys] list, found a byte string")
    names = (f"{path}.address", f"{path}.storageKeys")
    parts, _ = split_items(entry.buf, entry.start, entry.end, path, names)
    if len(parts) != len(names):
        raise WrongFieldCount(path, f"expected [address, storageKeys], got {len(parts)} items")
    address = read_bytes(parts[0], names[0])
    if len(address) != ADDRESS_BYTES:
        raise InvalidField(names[0], f"must be {ADDRESS_BYTES} bytes, got {len(address)}")
    keys = parts[1]
    if not isinstance(keys, RLPList):
        raise InvalidField(names[1], "expected a list, found a byte string")
    return AccessListEntry(checksum_address(address), _read_storage_keys(keys, names[1]))


def _read_storage_keys(keys: RLPList, path: str) -> tuple[str, ...]:
    items, _ = split_items(keys.buf, keys.start, keys.end, path)
    out = []
    for index, key in enumerate(items):
        name = f"{path}[{index}]"
        raw = read_bytes(key, name)
        if len(raw) != STORAGE_KEY_BYTES:
            raise InvalidField(name, f"must be {STORAGE_KEY_BYTES} bytes, got {len(raw)}")
        out.append("0x" + raw.hex())
    return tuple(out)
