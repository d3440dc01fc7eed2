"""How deep a JSON document nests, measured on its bytes before any parser sees it.

Parsers recurse once per level: Python's ``json`` decoder in C, pydantic's in Rust. A body of
140 KB can nest 70,000 levels, and with a raised recursion limit that overflowed the C stack
(issue 12, item 1); even at the default limit it costs a ``RecursionError`` per request. No
request of the platform nests more than a handful of levels, so the edge refuses a JSON body
deeper than ``CHAINLESS_MAX_JSON_DEPTH`` (default 64) before anything parses it.

The scan is done in C: a body with no more brackets than the limit cannot be too deep (one
``bytes.count`` each); otherwise the strings are cut out with one regular expression, the
brackets translated to +1 / -1 steps, and the deepest level is the largest running sum.
Brackets inside an unterminated string count: such a body is not JSON anyway.
"""

from __future__ import annotations

import re
from array import array
from itertools import accumulate

_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
_STEPS = bytes.maketrans(b"[{]}", b"\x01\x01\xff\xff")  # signed bytes: +1, +1, -1, -1


def nesting_depth(document: bytes) -> int:
    """The deepest level of arrays and objects in ``document`` (0 for a scalar)."""
    skeleton = _STRING.sub(b"", document).translate(_STEPS, _NOT_BRACKETS)
    return max(accumulate(array("b", skeleton)), default=0)


def nests_deeper_than(document: bytes, limit: int) -> bool:
    if document.count(b"[") + document.count(b"{") <= limit:
        return False
    return nesting_depth(document) > limit
