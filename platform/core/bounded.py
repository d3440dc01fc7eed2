"""Types for numbers a request carries, bounded to what the platform can store (issue 12,
item 6): an integer beyond a 64-bit column made psycopg raise ``OverflowError`` (a 500), and a
wei amount beyond 2**256 - 1 is no EVM quantity. Reused by every schema and query parameter so
that the bound is written once; ``tests/platform/test_input_bounds.py`` walks the OpenAPI
document for an integer without it.
"""

from __future__ import annotations

from typing import Annotated

from annotated_types import Ge, Le
from pydantic import AfterValidator, Field

INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1  # PostgreSQL BIGINT, SQLite INTEGER
UINT256_MAX = 2**256 - 1  # an EVM word (the Yellow Paper's uint256)

Int64 = Annotated[int, Ge(INT64_MIN), Le(INT64_MAX)]
"""Any integer a column holds; narrow it further where the field needs (``Query(ge=0)``)."""


def _uint256(text: str) -> str:
    if int(text) > UINT256_MAX:
        raise ValueError(f"must be at most 2**256 - 1 ({UINT256_MAX})")
    return text


Uint256Text = Annotated[
    str,
    Field(pattern=r"^[0-9]{1,78}$", examples=["1000000000000000000"]),
    AfterValidator(_uint256),
]
"""An EVM quantity (wei, gas, nonce) as a decimal string: it exceeds JSON's safe integers."""
