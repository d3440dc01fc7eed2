"""Does the code at an address match a build? (Solidity docs, "Contract Metadata".)

The runtime code on chain differs from the compiler's ``deployedBytecode`` in two places that do
not change what the contract does: the CBOR-encoded metadata at the end (its length is the last
two bytes, big-endian) and the values of ``immutable`` variables, written by the constructor at
the offsets ``immutableReferences`` lists. Both are neutralised on both sides before comparing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence


def _without_metadata(code: bytes) -> bytes:
    if len(code) < 2:
        return code
    length = int.from_bytes(code[-2:], "big")
    if length + 2 > len(code):
        return code
    return code[: -(length + 2)]


def _zero_immutables(code: bytes, references: Mapping[str, Sequence[Mapping[str, int]]]) -> bytes:
    buffer = bytearray(code)
    for ranges in references.values():
        for item in ranges:
            start, length = int(item["start"]), int(item["length"])
            end = min(start + length, len(buffer))
            buffer[start:end] = bytes(max(end - start, 0))
    return bytes(buffer)


def _hex_bytes(value: str | bytes) -> bytes | None:
    if isinstance(value, bytes):
        return value
    text = value.removeprefix("0x")
    if "__$" in text:  # an unlinked library placeholder: not comparable
        return None
    try:
        return bytes.fromhex(text)
    except ValueError:
        return None


def runtime_matches(
    onchain: str | bytes,
    compiled: str | bytes,
    immutable_references: Mapping[str, Sequence[Mapping[str, int]]],
) -> bool:
    """True when the deployed code is the compiled runtime code, metadata and immutables aside."""
    deployed, expected = _hex_bytes(onchain), _hex_bytes(compiled)
    if not deployed or not expected or len(deployed) != len(expected):
        return False
    deployed = _without_metadata(_zero_immutables(deployed, immutable_references))
    expected = _without_metadata(_zero_immutables(expected, immutable_references))
    return bool(expected) and deployed == expected
