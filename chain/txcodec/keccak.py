"""Keccak-256 (the pre-standard SHA-3 Ethereum uses) and EIP-55 checksummed addresses."""

from __future__ import annotations

from functools import lru_cache

from Crypto.Hash import keccak as _keccak

_HEX_DIGITS = b"0123456789abcdef"
# In ASCII, upper-casing a letter clears bit 0x20; these tables spread one bit per hex character.
_IS_LETTER = bytes.maketrans(_HEX_DIGITS, b"\x00" * 10 + b"\x20" * 6)
_IS_HIGH_NIBBLE = bytes.maketrans(_HEX_DIGITS, b"\x00" * 8 + b"\x20" * 8)


def keccak256(data: bytes) -> bytes:
    return _keccak.new(data=data, digest_bits=256).digest()


@lru_cache(maxsize=8192)  # relay traffic repeats senders and popular contracts
def checksum_address(address: bytes) -> str:
    """EIP-55: upper-case each hex letter whose nibble in keccak(lower-case hex) is >= 8."""
    lower = address.hex().encode("ascii")
    nibbles = keccak256(lower)[: len(address)].hex().encode("ascii")
    flips = int.from_bytes(lower.translate(_IS_LETTER), "big") & int.from_bytes(
        nibbles.translate(_IS_HIGH_NIBBLE), "big"
    )
    mixed = int.from_bytes(lower, "big") ^ flips
    return "0x" + mixed.to_bytes(len(lower), "big").decode("ascii")
