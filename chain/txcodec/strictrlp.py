"""Strict RLP (Yellow Paper, Appendix B): only the one canonical encoding of a value is accepted.

Refused: a single byte below 0x80 wrapped as a 1-byte string, the long form for payloads shorter
than 56 bytes, lengths with leading zero bytes, items running past their list, and bytes after the
top-level list. Two encodings of one transaction would give two hashes for one signature, which is
what the relay must not let through.

Decoding is schema-directed: a list nested in a list comes back as an unopened :class:`RLPList`
that the caller opens only where its schema expects a list (the access list), so hostile nesting
costs nothing and needs no recursion.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeAlias

from chainless.chain.txcodec.errors import MalformedRLP, TrailingBytes

_SHORT_LIMIT = 56  # payloads of 0..55 bytes use the one-byte prefix form


class _Malformed(Exception):
    """Internal: re-raised as MalformedRLP once the caller knows which field it was."""


class RLPList:
    """The payload span of a list inside ``buf``; open it with :func:`split_items`."""

    __slots__ = ("buf", "end", "start")

    def __init__(self, buf: bytes, start: int, end: int) -> None:
        self.buf = buf
        self.start = start
        self.end = end


Item: TypeAlias = bytes | RLPList


def read_header(buf: bytes, pos: int, end: int) -> tuple[bool, int, int]:
    """Return ``(is_list, payload_start, payload_end)`` of the item at ``pos`` (before ``end``)."""
    prefix = buf[pos]
    if prefix < 0x80:
        return False, pos, pos + 1
    if prefix < 0xB8:
        start = pos + 1
        stop = start + prefix - 0x80
        _check_fits(stop, end, start)
        if stop - start == 1 and buf[start] < 0x80:
            raise _Malformed(f"byte 0x{buf[start]:02x} must encode itself, not as a 1-byte string")
        return False, start, stop
    if prefix < 0xC0:
        start, stop = _long_form(buf, pos, prefix - 0xB7, end)
        return False, start, stop
    if prefix < 0xF8:
        start = pos + 1
        stop = start + prefix - 0xC0
        _check_fits(stop, end, start)
        return True, start, stop
    start, stop = _long_form(buf, pos, prefix - 0xF7, end)
    return True, start, stop


def _long_form(buf: bytes, pos: int, size_len: int, end: int) -> tuple[int, int]:
    size_start = pos + 1
    start = size_start + size_len
    if start > end:
        raise _Malformed(f"length of length is {size_len} bytes but only {end - size_start} remain")
    if buf[size_start] == 0:
        raise _Malformed("length has leading zero bytes")
    length = int.from_bytes(buf[size_start:start], "big")
    if length < _SHORT_LIMIT:
        raise _Malformed(f"long-form length used for {length} bytes (the short form is canonical)")
    stop = start + length
    _check_fits(stop, end, start)
    return start, stop


def _check_fits(stop: int, end: int, start: int) -> None:
    if stop > end:
        raise _Malformed(f"declares {stop - start} bytes but only {end - start} remain")


def decode_list(buf: bytes, pos: int, path: str) -> tuple[int, int]:
    """Check that ``buf[pos:]`` is exactly one RLP list; return its payload span."""
    if pos >= len(buf):
        raise MalformedRLP(path, "empty input")
    try:
        is_list, start, stop = read_header(buf, pos, len(buf))
    except _Malformed as exc:
        raise MalformedRLP(path, str(exc)) from None
    if not is_list:
        raise MalformedRLP(path, "expected an RLP list, found a byte string")
    if stop != len(buf):
        raise TrailingBytes(path, f"{len(buf) - stop} byte(s) after the end of the RLP list")
    return start, stop


def split_items(
    buf: bytes, start: int, end: int, path: str, names: Sequence[str] = ()
) -> tuple[list[Item], list[int]]:
    """Split a list payload into its items and each item's offset in ``buf``.

    Errors name item ``i`` as ``names[i]`` when given, else ``path[i]``.
    """
    items: list[Item] = []
    offsets: list[int] = []
    pos = start
    while pos < end:
        try:
            is_list, item_start, item_stop = read_header(buf, pos, end)
        except _Malformed as exc:
            index = len(items)
            label = names[index] if index < len(names) else f"{path}[{index}]"
            raise MalformedRLP(label, str(exc)) from None
        offsets.append(pos)
        items.append(RLPList(buf, item_start, item_stop) if is_list else buf[item_start:item_stop])
        pos = item_stop
    return items, offsets


def encode_list_header(length: int) -> bytes:
    """The canonical prefix of a list whose payload is ``length`` bytes."""
    if length < _SHORT_LIMIT:
        return bytes((0xC0 + length,))
    size = length.to_bytes((length.bit_length() + 7) // 8, "big")
    return bytes((0xF7 + len(size),)) + size


def encode_uint(value: int) -> bytes:
    """The canonical encoding of a non-negative integer (minimal big-endian string)."""
    if value == 0:
        return b"\x80"
    if value < 0x80:
        return bytes((value,))
    data = value.to_bytes((value.bit_length() + 7) // 8, "big")
    # Integers here are at most 32 bytes, always the short string form.
    return bytes((0x80 + len(data),)) + data
